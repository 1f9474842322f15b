// Public API of @aivm/native: the engine and kernels, nothing of the network.
// The network and the chain (which load ethers and quickjs) are '@aivm/native/network'
// (lib/network/index.ts), so importing the engine stays light.
export { AivmError, ErrorCodes, type ErrorCode } from './errors';
export { tensor, numel, DTypes, type DType, type Tensor } from './tensor';
export type { AttrValue, EngineLimits } from './binding';

// Single ops, canonical hashes, the self-test (lib/engine.ts).
export { engineInfo, runOp, hashTensors, selftest, type EngineInfo, type RunOptions, type OpRunOptions, type Attributes, type SelftestResult } from './engine';

// Kernels end to end (docs/KERNEL_FORMAT.md): load, run on a worker pool, receipts.
export { loadKernel, type Kernel, type KernelVector } from './kernel';
export { Runtime, type RuntimeOptions, type RunOptions as KernelRunOptions, type Receipt, type TraceNode } from './runtime/runtime';
export { traceFileFromReceipt, readTraceFile, diffTraces, ulpDistance, type TraceFile, type TraceDiff } from './runtime/trace';
export { merkleRoot } from './hash/merkle';
// onnxruntime-node's API over a plain ONNX model; its Tensor class is '@aivm/native/ort''s.
export { InferenceSession, type SessionOptions } from './runtime/inference-session';
export { GAS_VERSION } from './ir/gas';
// The canonical tensor encoding (docs/HASHING.md): what hashTensors hashes and what a request carries.
export { encodeTensors, decodeTensors } from './hash/encoding';
