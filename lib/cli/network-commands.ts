// `aivm deploy | publish | request | node | result | aggregate`: the network.
// Chain options: --rpc URL (or AIVM_RPC), --registry ADDRESS (or AIVM_REGISTRY),
// --keystore FILE (or AIVM_KEYSTORE) with its password from --password-file or AIVM_PASSWORD.
import * as fs from 'fs';
import * as path from 'path';
import { keccak256 } from 'ethers';
import { AivmError } from '../errors';
import { encodeTensors } from '../hash/encoding';
import { connect, deployRegistry, Registry } from '../chain/registry';
import { loadKernel, readInputFile, type Kernel } from '../kernel';
import { isAddress, verifySignedResult, type ResultFields, type SignedResultJson } from '../network/attestation';
import { verifyFingerprintFile } from '../network/fingerprint';
import type { NodePolicy } from '../network/policy';
import { fetchRegisteredKernel, isHttp, localPath } from '../network/fetch';
import { openKeystore, readPassword } from '../network/keystore';
import { AivmNode } from '../network/node';
import { runAggregation } from '../network/sandbox';
import { allowOnly, intFlag, stringFlag, type Parsed, UsageError } from './args';

const CHAIN_FLAGS = ['rpc', 'keystore', 'password-file'];
/** Calldata holds inputs up to the contract's MAX_INPUT_BYTES; larger ones go behind a URI. */
const MAX_CALLDATA_INPUT = 16384;

function rpcUrl(p: Parsed): string {
  return stringFlag(p, 'rpc') ?? process.env.AIVM_RPC ?? 'http://127.0.0.1:8545';
}

async function wallet(p: Parsed) {
  const file = stringFlag(p, 'keystore') ?? process.env.AIVM_KEYSTORE;
  if (!file) throw new UsageError('this command signs transactions: give --keystore FILE (or set AIVM_KEYSTORE)');
  const w = await openKeystore(file, readPassword(stringFlag(p, 'password-file')));
  return w.connect(await connect(rpcUrl(p)));
}

async function registry(p: Parsed): Promise<Registry> {
  const address = stringFlag(p, 'registry') ?? process.env.AIVM_REGISTRY;
  if (!address) throw new UsageError('give --registry ADDRESS (or set AIVM_REGISTRY); `aivm deploy` creates one');
  const r = new Registry(address, await wallet(p));
  await r.checkDeployed();
  return r;
}

function json(p: Parsed, value: unknown): boolean {
  if (p.flags.get('json') !== true) return false;
  console.log(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
  return true;
}

/** aivm deploy: a new registry contract; prints its address. */
export async function deployCommand(p: Parsed): Promise<number> {
  allowOnly(p, [...CHAIN_FLAGS, 'json'], [0, 0]);
  const address = await deployRegistry(await wallet(p));
  if (!json(p, { registry: address })) console.log(address);
  return 0;
}

/** aivm admit <fingerprint.json...>: (registry owner) verifies each node's signed fingerprint, then admits it. */
export async function admitCommand(p: Parsed): Promise<number> {
  allowOnly(p, [...CHAIN_FLAGS, 'registry', 'remove', 'json'], [1, 256]);
  const removing = p.flags.get('remove') === true;
  // Check every argument before the first transaction: a bad file must not leave half the list admitted.
  const nodes = p.positionals.map((arg) => (removing ? { node: addressArg(arg), isa: '' } : verifyFingerprintFile(arg)));
  const reg = await registry(p);
  const owner = await reg.owner();
  if (owner !== reg.wallet.address) throw new AivmError('E_CHAIN', `only the registry's owner ${owner} admits nodes; this key is ${reg.wallet.address}`);
  const done: { node: string; isa: string; admitted: boolean }[] = [];
  for (const { node, isa } of nodes) {
    await reg.setAdmitted(node, !removing);
    done.push({ node, isa, admitted: !removing });
    if (p.flags.get('json') !== true) console.log(`${removing ? 'removed ' : 'admitted'}  ${node}${isa ? `  (isa ${isa}, self-test = reference)` : ''}`);
  }
  json(p, { registry: reg.address, nodes: done });
  return 0;
}

function addressArg(arg: string): string {
  if (!isAddress(arg)) throw new UsageError(`admit --remove takes node addresses (0x + 40 hex digits, checksummed if mixed-case), got '${arg}'`);
  return arg;
}

/** aivm publish <kernel>: registers the kernel's id, manifest digest and URI (default: its absolute directory). */
export async function publishCommand(p: Parsed): Promise<number> {
  allowOnly(p, [...CHAIN_FLAGS, 'registry', 'uri', 'json'], [1, 1]);
  const kernel = await loadKernel(p.positionals[0]);
  const uri = stringFlag(p, 'uri') ?? path.resolve(kernel.dir);
  const manifestDigest = keccak256(fs.readFileSync(path.join(kernel.dir, 'aivm.json')));
  const reg = await registry(p);
  const { receipt } = await reg.registerKernel(kernel.id, manifestDigest, uri);
  if (!json(p, { kernelId: kernel.id, manifestDigest, uri, tx: receipt.hash })) {
    console.log(`published ${kernel.manifest.name} ${kernel.manifest.version}`);
    console.log(`kernelId        ${kernel.id}`);
    console.log(`manifestDigest  ${manifestDigest}`);
    console.log(`uri             ${uri}`);
  }
  return 0;
}

/**
 * The kernel a command names: a kernel directory, or a registered id fetched from its registrations
 * (this key's own first, then the others: a squatter's URI is skipped).
 */
async function kernelFor(p: Parsed, ref: string, reg: Registry): Promise<Kernel> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(ref)) return loadKernel(ref);
  const entries = await reg.kernelEntries(ref, 16);
  if (entries.length === 0) throw new AivmError('E_WRONG_KERNEL', `kernel ${ref} is not registered on ${reg.address}`);
  return fetchRegisteredKernel(ref.toLowerCase(), entries, stringFlag(p, 'kernels') ?? path.join(process.cwd(), '.aivm-kernels'), { prefer: reg.wallet.address });
}

/** aivm request <kernelId|dir> --input FILE: posts a request; with --wait, waits for finalization. */
export async function requestCommand(p: Parsed): Promise<number> {
  allowOnly(p, [...CHAIN_FLAGS, 'registry', 'input', 'input-uri', 'quorum', 'nodes', 'commit-seconds', 'reveal-seconds', 'kernels', 'wait', 'timeout', 'json'], [1, 1]);
  const file = stringFlag(p, 'input');
  if (!file) throw new UsageError('request needs --input FILE.json or FILE.npy');
  // Nodes read a local --input-uri from their own working directory: post it absolute.
  const uriFlag = stringFlag(p, 'input-uri') ?? '';
  const inputUri = uriFlag && !/^[a-z][a-z0-9+.-]*:\/\//i.test(uriFlag) ? path.resolve(uriFlag) : uriFlag;
  const reg = await registry(p);
  const kernel = await kernelFor(p, p.positionals[0], reg);
  const inputs = readInputFile(file, kernel);
  const encoded = encodeTensors(kernel.manifest.inputs.map((i) => inputs[i.name]));
  const inputHash = keccak256(encoded);
  if (encoded.byteLength > MAX_CALLDATA_INPUT) {
    if (!inputUri) throw new AivmError('E_INPUT', `the input is ${encoded.byteLength} bytes, over the ${MAX_CALLDATA_INPUT}-byte calldata limit: give --input-uri PATH (the canonical bytes are written there) or an http URL serving them`);
    if (!isHttp(inputUri)) {
      const target = localPath(inputUri, '--input-uri', 'E_INPUT');
      try {
        fs.writeFileSync(target, encoded);
      } catch (err) {
        throw new AivmError('E_INPUT', `cannot write the input's canonical bytes to ${target}: ${(err as Error).message}`);
      }
    }
  }
  const quorum = intFlag(p, 'quorum', 1, 32) ?? 1;
  const maxNodes = intFlag(p, 'nodes', 1, 32) ?? quorum;
  const { requestId, receipt } = await reg.requestInference({
    kernelId: kernel.id, inputHash, input: encoded.byteLength > MAX_CALLDATA_INPUT ? new Uint8Array() : encoded, inputUri,
    quorum, maxNodes, commitSeconds: intFlag(p, 'commit-seconds', 1, 2592000) ?? 60, revealSeconds: intFlag(p, 'reveal-seconds', 1, 2592000) ?? 60,
  });
  if (p.flags.get('json') !== true) {
    console.log(`requestId  ${requestId}`);
    console.log(`kernel     ${kernel.manifest.name} (${kernel.id})`);
    console.log(`inputHash  ${inputHash} (${encoded.byteLength} bytes ${inputUri && encoded.byteLength > MAX_CALLDATA_INPUT ? `at ${inputUri}` : 'in calldata'})`);
    console.log(`quorum     ${quorum} of up to ${maxNodes} nodes; block ${receipt.blockNumber}`);
  }
  if (p.flags.get('wait') !== true) {
    json(p, { requestId, kernelId: kernel.id, inputHash, quorum, maxNodes });
    return 0;
  }
  return waitAndPrint(p, reg, requestId, intFlag(p, 'timeout', 1, 86400) ?? 600);
}

/** Where a non-http --input-uri's bytes go: the path itself, or a file:// URL decoded the way nodes read it. */
async function waitAndPrint(p: Parsed, reg: Registry, requestId: string, seconds: number): Promise<number> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    // A contract read per poll; the events are read once, at the end.
    if ((await reg.requestOf(requestId))?.finalized) return printResult(p, reg, requestId);
    if (Date.now() > until) throw new AivmError('E_CHAIN', `request ${requestId} was not finalized within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function printResult(p: Parsed, reg: Registry, requestId: string): Promise<number> {
  const req = await reg.requestOf(requestId);
  if (!req) throw new AivmError('E_CHAIN', `no request ${requestId} on registry ${reg.address}`);
  const fin = req.finalized ? await reg.finalizedEvent(requestId) : undefined;
  const reveals = await reg.reveals(requestId);
  const out = { requestId, ...req, reveals, finalized: fin ?? null };
  if (!json(p, out)) {
    console.log(`request     ${requestId}`);
    console.log(`kernel      ${req.kernelId}`);
    console.log(`inputHash   ${req.inputHash}`);
    console.log(`quorum      ${req.quorum} of up to ${req.maxNodes}; ${req.commits} committed, ${req.reveals} revealed`);
    console.log(`deadlines   commit ${new Date(req.commitDeadline * 1000).toISOString()}, reveal ${new Date(req.revealDeadline * 1000).toISOString()}`);
    for (const r of reveals) console.log(`reveal      ${r.node}  ${r.outputHash}`);
    if (fin) {
      console.log(`FINALIZED   ${fin.outputHash} (${fin.agree} agree)`);
      console.log(`dissenters  ${fin.dissenters.length ? fin.dissenters.join(', ') : 'none'}`);
    } else {
      console.log('status      not finalized');
    }
  }
  return fin ? 0 : 3;
}

/** aivm result <requestId>: the request's state, reveals and (when finalized) agreed hash and dissenters. Exit 3 if not finalized. */
export async function resultCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['rpc', 'registry', 'json', 'wait', 'timeout'], [1, 1]);
  const id = p.positionals[0];
  if (!/^0x[0-9a-fA-F]{64}$/.test(id)) throw new UsageError(`request id must be 0x + 64 hex digits, got '${id}'`);
  const address = stringFlag(p, 'registry') ?? process.env.AIVM_REGISTRY;
  if (!address) throw new UsageError('give --registry ADDRESS (or set AIVM_REGISTRY)');
  const reg = new Registry(address, await connect(rpcUrl(p))); // reading needs no key
  await reg.checkDeployed();
  if (p.flags.get('wait') === true) return waitAndPrint(p, reg, id, intFlag(p, 'timeout', 1, 86400) ?? 600);
  return printResult(p, reg, id);
}

/** aivm node: runs until SIGINT/SIGTERM, one JSON line per event on stdout. */
const POLICY_FLAGS = ['max-gas', 'max-memory', 'max-kernel-bytes', 'max-run-seconds', 'allowed-ops', 'isolation'];

/** The node's operator caps from its flags (lib/network/policy.ts has the defaults). */
function policyFlags(p: Parsed): NodePolicy {
  const policy: NodePolicy = {};
  const gas = stringFlag(p, 'max-gas');
  if (gas !== undefined) {
    const n = Number(gas);
    if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--max-gas must be a non-negative integer, got '${gas}'`);
    policy.maxGas = BigInt(n);
  }
  policy.maxMemoryBytes = intFlag(p, 'max-memory', 1, Number.MAX_SAFE_INTEGER);
  policy.maxKernelBytes = intFlag(p, 'max-kernel-bytes', 1, Number.MAX_SAFE_INTEGER);
  const seconds = intFlag(p, 'max-run-seconds', 1, 86400);
  if (seconds !== undefined) policy.maxRunMs = seconds * 1000;
  const ops = stringFlag(p, 'allowed-ops');
  if (ops !== undefined) policy.allowedOps = ops.split(',').map((o) => o.trim()).filter(Boolean);
  return policy;
}

export async function nodeCommand(p: Parsed): Promise<number> {
  allowOnly(p, [...CHAIN_FLAGS, 'registry', 'kernels', 'state', 'isa', 'threads', 'poll-ms', 'allow-local-inputs', ...POLICY_FLAGS], [0, 0]);
  const kernelsDir = stringFlag(p, 'kernels');
  const stateDir = stringFlag(p, 'state');
  if (!kernelsDir || !stateDir) throw new UsageError('node needs --kernels DIR (local and fetched kernels) and --state DIR (what it committed)');
  const isolation = stringFlag(p, 'isolation') ?? 'process';
  if (isolation !== 'process' && isolation !== 'thread') throw new UsageError(`--isolation must be 'process' or 'thread', got '${isolation}'`);
  const node = await AivmNode.create({
    registry: await registry(p), kernelsDir, stateDir, isa: stringFlag(p, 'isa'), threads: intFlag(p, 'threads', 1, 256, 'E_THREADS'),
    pollMs: intFlag(p, 'poll-ms', 10, 60000), allowLocalInputs: p.flags.get('allow-local-inputs') === true,
    policy: policyFlags(p), isolation,
    log: (e) => console.log(JSON.stringify(e)),
  });
  const stop = () => node.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await node.run();
  return 0;
}

/** aivm aggregate <result files...> --kernel DIR: verifies signed results and runs the kernel's aggregation offline. */
export async function aggregateCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['kernel', 'request', 'chain-id', 'registry', 'quorum', 'json'], [1, 1024]);
  const dir = stringFlag(p, 'kernel');
  if (!dir) throw new UsageError('aggregate needs --kernel DIR (whose aggregate.js decides)');
  const chainIdFlag = parseChainId(stringFlag(p, 'chain-id'));
  const registryFlag = stringFlag(p, 'registry');
  if (registryFlag !== undefined && !isAddress(registryFlag)) throw new UsageError(`--registry must be a contract address, got '${registryFlag}'`);
  const requestFlag = stringFlag(p, 'request');
  if (requestFlag !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(requestFlag)) throw new UsageError(`--request must be 0x + 64 hex digits, got '${requestFlag}'`);
  const kernel = await loadKernel(dir);
  const files = p.positionals;
  const parsed = files.map((f) => {
    try {
      return JSON.parse(fs.readFileSync(f, 'utf8')) as unknown;
    } catch (err) {
      return new AivmError('E_SIGNATURE', `${f}: not a JSON result file: ${(err as Error).message}`);
    }
  });
  // Every result must be for one request on one registry: the flags, else the first validly signed
  // file (never a malformed one), fix which.
  const first = parsed.find((x) => {
    if (x instanceof AivmError) return false;
    try {
      verifySignedResult(x);
      return true;
    } catch {
      return false;
    }
  }) as SignedResultJson | undefined;
  const chainId = chainIdFlag ?? (first ? BigInt(first.domain.chainId) : undefined);
  const contract = registryFlag ?? first?.domain.verifyingContract;
  const expect = {
    kernelId: kernel.id, requestId: requestFlag ?? first?.result.requestId, inputHash: first?.result.inputHash,
    domain: chainId !== undefined && contract ? { chainId, verifyingContract: contract } : undefined,
  };
  const accepted: ResultFields[] = [];
  const rejected: { file: string; code: string; message: string }[] = [];
  parsed.forEach((x, i) => {
    try {
      if (x instanceof AivmError) throw x;
      accepted.push(verifySignedResult(x, expect));
    } catch (err) {
      rejected.push({ file: files[i], code: (err as AivmError).code ?? 'E_INTERNAL', message: (err as Error).message });
    }
  });
  const quorum = intFlag(p, 'quorum', 1, 1024);
  const agreed = await runAggregation(kernel.aggregateSource, accepted.map((r) => ({ node: r.node, outputHash: r.outputHash })),
    { ...kernel.manifest.aggregation, ...(quorum ? { k: quorum } : {}) });
  if (!json(p, { kernelId: kernel.id, requestId: expect.requestId, ...agreed, accepted: accepted.map((r) => r.node), rejected })) {
    for (const r of rejected) console.log(`rejected    ${r.file}: ${r.code}: ${r.message}`);
    for (const r of accepted) console.log(`accepted    ${r.node}  ${r.outputHash}`);
    console.log(agreed.outputHash ? `AGREED      ${agreed.outputHash} (${agreed.agree} of ${agreed.total})` : `NO AGREEMENT (best: ${agreed.agree} of ${agreed.total})`);
    console.log(`dissenters  ${agreed.dissenters.length ? agreed.dissenters.join(', ') : 'none'}`);
  }
  return agreed.outputHash ? 0 : 1;
}

/** --chain-id as a decimal or 0x-hex number; anything else is a usage error (never silently unchecked). */
function parseChainId(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  if (/^[0-9]{1,30}$/.test(v) || /^0x[0-9a-fA-F]{1,25}$/.test(v)) return BigInt(v);
  throw new UsageError(`--chain-id must be a chain id in decimal (31337) or hex (0x7a69), got '${v}'`);
}
