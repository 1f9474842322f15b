// '@aivm/native/network' (docs/NETWORK.md): signed results, the sandboxed
// aggregation, the registry client, nodes. Kept out of the main entry point
// because it loads ethers and quickjs-emscripten; the engine and kernels are
// '@aivm/native'.
export { signResult, verifySignedResult, resultDigest, RESULT_TYPES, type ResultFields, type ResultDomain, type SignedResultJson } from './attestation';
export { signFingerprint, verifyFingerprint, REFERENCE_SELFTEST, type SignedFingerprint } from './fingerprint';
export { createKeystore, openKeystore, keystoreAddress } from './keystore';
export { runAggregation, type AggregationInput, type AggregationResult, type ScriptLimits } from './sandbox';
export { Registry, deployRegistry, provider as rpcProvider, chainReason, type RequestState, type FinalizedEvent } from '../chain/registry';
export { AivmNode, commitmentFor, type NodeOptions } from './node';
export { DEFAULT_POLICY, type NodePolicy } from './policy';
