// A typed client for the AivmRegistry contract (lib/chain/AivmRegistry.sol).
// Every transaction is signed here, then broadcast, then awaited, so callers can
// time signing and chain separately; every revert comes back as E_CHAIN naming
// the contract's custom error (e.g. "CommitmentMismatch").
import { Contract, ContractFactory, Interface, JsonRpcProvider, Network, getAddress, type Log, type Wallet, type TransactionReceipt } from 'ethers';
import { AivmError } from '../errors';
import { REGISTRY_ABI, REGISTRY_BYTECODE } from './artifact';

/** E_CHAIN for a transaction or call the contract reverted; `reason` is its custom error's name. */
export class ChainRejection extends AivmError {
  constructor(readonly reason: string, message: string) {
    super('E_CHAIN', message);
  }
}

export const registryInterface = new Interface(REGISTRY_ABI as unknown as string[]);

export interface KernelEntry {
  manifestDigest: string;
  publisher: string;
  uri: string;
}

export interface RequestState {
  kernelId: string;
  inputHash: string;
  requester: string;
  quorum: number;
  maxNodes: number;
  commitDeadline: number;
  revealDeadline: number;
  commits: number;
  reveals: number;
  finalized: boolean;
  outputHash: string;
}

export interface RequestedEvent {
  requestId: string;
  kernelId: string;
  requester: string;
  inputHash: string;
  input: string;
  inputUri: string;
  quorum: number;
  maxNodes: number;
  commitDeadline: number;
  revealDeadline: number;
  blockNumber: number;
}

export interface FinalizedEvent {
  requestId: string;
  outputHash: string;
  agree: number;
  dissenters: string[];
  blockNumber: number;
  txHash: string;
}

/** Time spent signing and waiting for the chain, for `npm run bench`. */
export interface TxTiming {
  signMs: number;
  chainMs: number;
}

/** How long a transaction may wait to be mined before E_CHAIN (a stuck transaction must not freeze a node). */
export const TX_TIMEOUT_MS = 120_000;

/**
 * A provider for `rpc`. With the chain id given, ethers never probes the network (a probe that
 * fails retries forever, hanging every call when the RPC is down). cacheTimeout -1: ethers
 * otherwise answers a repeated call within 250 ms from cache, so two transactions in a row would
 * get the same nonce.
 */
export function provider(rpc: string, chainId?: bigint): JsonRpcProvider {
  const network = chainId === undefined ? undefined : Network.from(chainId);
  return new JsonRpcProvider(rpc, network, { staticNetwork: network ?? true, cacheTimeout: -1, pollingInterval: 200 });
}

/** Asks the RPC for its chain id (with a timeout) and returns a provider pinned to it; E_CHAIN if it does not answer. */
export async function connect(rpc: string, timeoutMs = 10_000): Promise<JsonRpcProvider> {
  let res: Response;
  try {
    res = await fetch(rpc, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(timeoutMs),
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    });
  } catch (err) {
    throw new AivmError('E_CHAIN', `no answer from the RPC at ${rpc}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => undefined)) as { result?: unknown } | undefined;
  if (!res.ok || typeof body?.result !== 'string' || !/^0x[0-9a-f]+$/i.test(body.result)) {
    throw new AivmError('E_CHAIN', `${rpc} is not an Ethereum JSON-RPC endpoint (eth_chainId answered ${res.status})`);
  }
  return provider(rpc, BigInt(body.result));
}

/** Deploys a new registry; returns its address. */
export async function deployRegistry(wallet: Wallet): Promise<string> {
  const factory = new ContractFactory(REGISTRY_ABI as unknown as string[], REGISTRY_BYTECODE, wallet);
  try {
    const c = await factory.deploy();
    await c.waitForDeployment();
    return getAddress(await c.getAddress());
  } catch (err) {
    throw chainError(err, 'deploy');
  }
}

export class Registry {
  readonly address: string;
  private readonly contract: Contract;

  private readonly signer: Wallet | undefined;
  readonly provider: JsonRpcProvider;

  /** With a wallet (connected to a provider) the client reads and sends; with a provider alone it only reads. */
  constructor(address: string, runner: Wallet | JsonRpcProvider) {
    try {
      this.address = getAddress(address);
    } catch {
      throw new AivmError('E_ARG', `registry address ${JSON.stringify(address)} is not an address`);
    }
    if (runner instanceof JsonRpcProvider) {
      this.provider = runner;
    } else {
      if (!runner.provider) throw new AivmError('E_ARG', 'the wallet must be connected to a provider');
      this.signer = runner;
      this.provider = runner.provider as JsonRpcProvider;
    }
    this.contract = new Contract(this.address, REGISTRY_ABI as unknown as string[], runner);
  }

  /** The wallet that signs this client's transactions (E_ARG for a read-only client). */
  get wallet(): Wallet {
    if (!this.signer) throw new AivmError('E_ARG', `this registry client is read-only (no key): it cannot send transactions`);
    return this.signer;
  }

  async chainId(): Promise<bigint> {
    return (await this.provider.getNetwork()).chainId;
  }

  /** Fails with E_CHAIN when no contract is deployed at the address (a wrong --registry). */
  async checkDeployed(): Promise<void> {
    const code = await this.call('getCode', () => this.provider.getCode(this.address));
    if (code === '0x') throw new AivmError('E_CHAIN', `no contract at ${this.address}: wrong --registry or another chain`);
  }

  registerKernel(kernelId: string, manifestDigest: string, uri: string): Promise<{ receipt: TransactionReceipt; timing: TxTiming }> {
    return this.send('registerKernel', [kernelId, manifestDigest, uri]);
  }

  async kernelOf(kernelId: string): Promise<KernelEntry | undefined> {
    const [manifestDigest, publisher, uri] = await this.call('kernelOf', () => this.contract.kernelOf(kernelId));
    return BigInt(manifestDigest) === 0n ? undefined : { manifestDigest, publisher: getAddress(publisher), uri };
  }

  /** Every publisher's registration of a kernel id, oldest first, at most `max` of them. */
  async kernelEntries(kernelId: string, max = 16): Promise<KernelEntry[]> {
    const n = Number(await this.call('kernelCount', () => this.contract.kernelCount(kernelId)));
    const out: KernelEntry[] = [];
    for (let i = 0; i < Math.min(n, max); i++) {
      const [manifestDigest, publisher, uri] = await this.call('kernelAt', () => this.contract.kernelAt(kernelId, i));
      out.push({ manifestDigest, publisher: getAddress(publisher), uri });
    }
    return out;
  }

  /** (Owner only) admits a node to commit, or removes it. */
  setAdmitted(node: string, admitted: boolean) {
    return this.send('setAdmitted', [node, admitted]);
  }

  async isAdmitted(node: string): Promise<boolean> {
    return this.call('admitted', () => this.contract.admitted(node));
  }

  async owner(): Promise<string> {
    return getAddress(await this.call('owner', () => this.contract.owner()));
  }

  async requestInference(args: {
    kernelId: string; inputHash: string; input: Uint8Array; inputUri: string; quorum: number; maxNodes: number; commitSeconds: number; revealSeconds: number;
  }): Promise<{ requestId: string; receipt: TransactionReceipt; timing: TxTiming }> {
    const { receipt, timing } = await this.send('requestInference', [
      args.kernelId, args.inputHash, args.input, args.inputUri, args.quorum, args.maxNodes, args.commitSeconds, args.revealSeconds,
    ]);
    const ev = this.parse(receipt.logs).find((e) => e.name === 'InferenceRequested');
    if (!ev) throw new AivmError('E_CHAIN', `request transaction ${receipt.hash} emitted no InferenceRequested event`);
    return { requestId: ev.args.requestId as string, receipt, timing };
  }

  commit(requestId: string, commitment: string) {
    return this.send('commit', [requestId, commitment]);
  }

  reveal(requestId: string, outputHash: string, salt: string) {
    return this.send('reveal', [requestId, outputHash, salt]);
  }

  finalize(requestId: string, outputHash: string) {
    return this.send('finalize', [requestId, outputHash]);
  }

  async requestOf(requestId: string): Promise<RequestState | undefined> {
    const r = await this.call('requestOf', () => this.contract.requestOf(requestId));
    if (BigInt(r[0]) === 0n) return undefined;
    return {
      kernelId: r[0], inputHash: r[1], requester: r[2], quorum: Number(r[3]), maxNodes: Number(r[4]), commitDeadline: Number(r[5]),
      revealDeadline: Number(r[6]), commits: Number(r[7]), reveals: Number(r[8]), finalized: r[9], outputHash: r[10],
    };
  }

  async commitOf(requestId: string, node: string): Promise<{ commitment: string; revealed: boolean; outputHash: string }> {
    const [commitment, revealed, outputHash] = await this.call('commitOf', () => this.contract.commitOf(requestId, node));
    return { commitment, revealed, outputHash };
  }

  /** The InferenceRequested events in [fromBlock, toBlock], decoded, in chain order. */
  async requestsBetween(fromBlock: number, toBlock: number): Promise<RequestedEvent[]> {
    return (await this.logs('InferenceRequested', undefined, fromBlock, toBlock)).map((e) => requestedFromEvent(e));
  }

  /** A request's own events (its id is the first indexed topic), from `fromBlock` (its request block, when known). */
  async requestedEvent(requestId: string, fromBlock = 0): Promise<RequestedEvent | undefined> {
    const ev = (await this.logs('InferenceRequested', requestId, fromBlock))[0];
    return ev ? requestedFromEvent(ev) : undefined;
  }

  /** Each node's revealed hash, in reveal order. */
  async reveals(requestId: string, fromBlock = 0): Promise<{ node: string; outputHash: string }[]> {
    return (await this.logs('Revealed', requestId, fromBlock)).map((e) => ({ node: getAddress(e.args.node as string), outputHash: e.args.outputHash as string }));
  }

  async finalizedEvent(requestId: string, fromBlock = 0): Promise<FinalizedEvent | undefined> {
    const e = (await this.logs('Finalized', requestId, fromBlock))[0];
    if (!e) return undefined;
    return {
      requestId, outputHash: e.args.outputHash as string, agree: Number(e.args.agree),
      dissenters: (e.args.dissenters as string[]).map((a) => getAddress(a)), blockNumber: e.blockNumber, txHash: e.transactionHash,
    };
  }

  /** The latest block (its number and timestamp are the chain's clock). */
  async latestBlock() {
    const b = await this.call('getBlock', () => this.provider.getBlock('latest'));
    if (!b) throw new AivmError('E_CHAIN', 'the RPC returned no latest block');
    return b;
  }

  /** Block 0's hash: identifies the chain instance (a reset dev chain has a new one). */
  async genesisHash(): Promise<string> {
    const b = await this.call('getBlock', () => this.provider.getBlock(0));
    if (!b?.hash) throw new AivmError('E_CHAIN', 'the RPC returned no block 0');
    return b.hash;
  }

  private async logs(event: string, requestId: string | undefined, fromBlock: number, toBlock: number | 'latest' = 'latest') {
    const topics = [registryInterface.getEvent(event)!.topicHash, ...(requestId ? [requestId] : [])];
    return this.parse(await this.call('getLogs', () => this.provider.getLogs({ address: this.address, fromBlock, toBlock, topics })));
  }

  parse(logs: readonly Log[]) {
    const out = [];
    for (const log of logs) {
      const parsed = registryInterface.parseLog({ topics: [...log.topics], data: log.data });
      if (parsed) out.push({ name: parsed.name, args: parsed.args, blockNumber: log.blockNumber, transactionHash: log.transactionHash });
    }
    return out;
  }

  /** Signs the transaction locally (timed), broadcasts it and waits for its receipt (timed). */
  private async send(method: string, args: unknown[]): Promise<{ receipt: TransactionReceipt; timing: TxTiming }> {
    try {
      // Estimating gas runs the call first: a revert surfaces here with the contract's error data.
      const tx = await this.contract.getFunction(method).populateTransaction(...args);
      const populated = await this.wallet.populateTransaction(tx);
      const t0 = performance.now();
      const raw = await this.wallet.signTransaction(populated);
      const t1 = performance.now();
      const sent = await this.provider.broadcastTransaction(raw);
      const receipt = await sent.wait(1, TX_TIMEOUT_MS);
      const t2 = performance.now();
      if (!receipt || receipt.status !== 1) throw new AivmError('E_CHAIN', `${method}: transaction ${sent.hash} failed`);
      return { receipt, timing: { signMs: t1 - t0, chainMs: t2 - t1 } };
    } catch (err) {
      throw chainError(err, method);
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw chainError(err, what);
    }
  }
}

export function requestedFromEvent({ args: a, blockNumber }: { args: Record<string, unknown> & ArrayLike<unknown>; blockNumber: number }): RequestedEvent {
  return {
    requestId: a.requestId as string, kernelId: a.kernelId as string, requester: getAddress(a.requester as string), inputHash: a.inputHash as string,
    input: a.input as string, inputUri: a.inputUri as string, quorum: Number(a.quorum), maxNodes: Number(a.maxNodes),
    commitDeadline: Number(a.commitDeadline), revealDeadline: Number(a.revealDeadline), blockNumber,
  };
}


/** The contract's custom error name from a failed call, when there is one. */
export function revertName(err: unknown): string | undefined {
  return revertOf(err)?.name;
}

/** The contract's custom error (name and arguments) a failed call carries, wherever ethers put its data. */
function revertOf(err: unknown): { name: string; args: readonly unknown[] } | undefined {
  const e = err as { data?: unknown; info?: { error?: { data?: unknown } }; error?: { data?: unknown }; revert?: { name?: string; args?: readonly unknown[] } };
  if (e?.revert?.name) return { name: e.revert.name, args: e.revert.args ?? [] };
  for (const data of [e?.data, e?.info?.error?.data, e?.error?.data]) {
    const hex = typeof data === 'string' ? data : typeof (data as { data?: unknown })?.data === 'string' ? (data as { data: string }).data : undefined;
    if (hex && hex.length >= 10) {
      try {
        const parsed = registryInterface.parseError(hex);
        if (parsed) return { name: parsed.name, args: [...parsed.args] };
      } catch {
        /* not one of ours */
      }
    }
  }
  return undefined;
}

function chainError(err: unknown, what: string): AivmError {
  if (err instanceof AivmError) return err;
  const revert = revertOf(err);
  if (revert) {
    const args = revert.args.length ? `(${revert.args.map(String).join(', ')})` : '';
    return new ChainRejection(revert.name, `${what} rejected by the registry: ${revert.name}${args}`);
  }
  const msg = (err as Error)?.message ?? String(err);
  return new AivmError('E_CHAIN', `${what} failed: ${msg.split(' (')[0].slice(0, 300)}`);
}

/** The reverted contract error's name carried by an E_CHAIN error (undefined for RPC failures). */
export function chainReason(err: unknown): string | undefined {
  return err instanceof ChainRejection ? err.reason : undefined;
}
