// A node operator's caps: what the node accepts whatever a kernel declares.
// Kernels and requests come from anyone; these bounds are the operator's, and a
// kernel over them is refused (E_POLICY) before it runs, with the refusal
// persisted in the node's state so a restart does not try it again.
import { AivmError, invalidArgument } from '../errors';
import type { Kernel } from '../kernel';

export interface NodePolicy {
  /** The most gas a kernel may declare (limits.maxGas). Default 1e10: about 10 s of one core at aivm-gas-v2's price (docs/GAS.md). */
  maxGas?: bigint;
  /** The most memory a kernel may declare (limits.maxMemoryBytes). Default 1 GiB. */
  maxMemoryBytes?: number;
  /** The most bytes a fetched kernel may have, all files together. Default 1 GiB. */
  maxKernelBytes?: number;
  /**
   * Wall time of one request's run, building the program included (ms). Default 60 s.
   * A run also ends in time for the commit: its deadline is the commit deadline less a margin.
   */
  maxRunMs?: number;
  /** Engine ops a kernel may use (default: every op the engine has). */
  allowedOps?: string[];
}

export const DEFAULT_POLICY: Required<Omit<NodePolicy, 'allowedOps'>> = {
  maxGas: 10_000_000_000n,
  maxMemoryBytes: 1024 * 1024 * 1024,
  maxKernelBytes: 1024 * 1024 * 1024,
  maxRunMs: 60_000,
};

export type ResolvedPolicy = Required<Omit<NodePolicy, 'allowedOps'>> & { allowedOps?: Set<string> };

/** The policy with its defaults filled in, each value checked. */
export function resolvePolicy(p: NodePolicy = {}): ResolvedPolicy {
  if (typeof p !== 'object' || p === null) throw invalidArgument('policy', 'an object', p);
  const r = { ...DEFAULT_POLICY };
  if (p.maxGas !== undefined) {
    if (typeof p.maxGas !== 'bigint' || p.maxGas < 0n) throw invalidArgument('policy.maxGas', 'a non-negative bigint', p.maxGas);
    r.maxGas = p.maxGas;
  }
  for (const key of ['maxMemoryBytes', 'maxKernelBytes', 'maxRunMs'] as const) {
    const v = p[key];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 1) throw invalidArgument(`policy.${key}`, 'a positive integer', v);
    r[key] = v;
  }
  if (p.allowedOps !== undefined && (!Array.isArray(p.allowedOps) || !p.allowedOps.every((o) => typeof o === 'string'))) {
    throw invalidArgument('policy.allowedOps', 'an array of op names', p.allowedOps);
  }
  return { ...r, allowedOps: p.allowedOps && new Set(p.allowedOps) };
}

/** Throws E_POLICY when the kernel declares more than the node allows or uses an op it does not. */
export function checkKernelPolicy(kernel: Kernel, policy: ResolvedPolicy): void {
  const { maxGas, maxMemoryBytes } = kernel.manifest.limits;
  const name = `kernel ${kernel.manifest.name} (${kernel.id})`;
  if (BigInt(maxGas) > policy.maxGas) {
    throw new AivmError('E_POLICY', `${name} declares limits.maxGas ${maxGas}, over this node's cap of ${policy.maxGas} (--max-gas)`);
  }
  if (maxMemoryBytes > policy.maxMemoryBytes) {
    throw new AivmError('E_POLICY', `${name} declares limits.maxMemoryBytes ${maxMemoryBytes}, over this node's cap of ${policy.maxMemoryBytes} (--max-memory)`);
  }
  if (policy.allowedOps) {
    const refused = [...new Set(kernel.ir.nodes.map((n) => n.op))].filter((op) => !policy.allowedOps!.has(op)).sort();
    if (refused.length > 0) throw new AivmError('E_POLICY', `${name} uses ops this node does not allow: ${refused.join(', ')} (--allowed-ops)`);
  }
}
