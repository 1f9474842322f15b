// One error class for the whole package, with a stable machine-readable code.
// The native addon builds its errors with this same constructor (handed over
// once in binding.ts), so JS and native failures look identical to callers.

export const ErrorCodes = [
  'E_SHAPE', // shapes do not agree, or a dimension is out of range
  'E_DTYPE', // wrong element type, or data that is not the matching typed array
  'E_ATTR', // attribute missing, unknown, of the wrong type or with a bad value
  'E_ARITY', // wrong number of inputs
  'E_INDEX', // an index (Gather, Slice, axis) is out of range
  'E_VALUE', // data the op cannot accept (integer division by zero, ...)
  'E_UNSUPPORTED_OP', // the engine has no such op
  'E_ISA_UNAVAILABLE', // unknown instruction set, or one this CPU lacks
  'E_THREADS', // bad thread count
  'E_TOO_LARGE', // a tensor over the engine's size limits, or out of memory
  'E_FPENV', // the strict floating-point environment could not be set
  'E_ARG', // a JS argument of the wrong kind (not an op-level problem)
  'E_NATIVE_MISSING', // the compiled addon could not be loaded
  'E_INTERNAL', // a bug in the engine
  'E_DEVICE', // the GPU (CUDA runtime) failed: out of device memory, a kernel fault
  'E_ONNX_CORRUPT', // an ONNX file that does not decode (truncated, wrong wire types, bad lengths)
  'E_ONNX_INVALID', // an ONNX graph that decodes but is wrong (dangling names, cycles, bad initializers)
  'E_UNSUPPORTED_OPSET', // an ONNX opset (or domain) this engine does not implement
  'E_KERNEL_MANIFEST', // aivm.json missing, not JSON, or failing its schema
  'E_KERNEL_FILE', // a file the manifest names is missing or escapes the kernel directory
  'E_KERNEL_TAMPERED', // a file whose digest differs from the one in the manifest
  'E_KERNEL_NUMERICS', // the kernel asks for a numerics version or engine this build does not implement
  'E_INPUT', // run inputs that do not match the kernel (missing, unknown, wrong dtype or shape)
  'E_GAS_LIMIT', // a run whose gas is over the kernel's limit (refused before running)
  'E_MEMORY_LIMIT', // a run whose planned memory is over the kernel's limit, or runOp outputs over maxMemoryBytes (refused before allocating)
  'E_WORKER', // a worker thread died, was killed or could not start
  'E_TIMEOUT', // a run passed its deadline (timeoutMs, aivm run --timeout)
  'E_CANCELLED', // a run was cancelled by its AbortSignal
  'E_POLICY', // a node operator's cap refused a kernel (declared gas or memory, kernel bytes, ops)
  'E_CLOSED', // the runtime was closed
  'E_TRACE', // a trace file for `aivm diff` that is not one
  'E_KEYSTORE', // a node keystore file that is missing, corrupt or opened with the wrong password
  'E_SIGNATURE', // a signed result or fingerprint whose signature does not recover its claimed signer
  'E_WRONG_KERNEL', // a result, request or fetched kernel whose kernel id is not the expected one
  'E_REPLAY', // a signed result presented for another request (or another chain / registry)
  'E_CHAIN', // the chain refused a transaction (the contract's error name is in the message) or the RPC failed
  'E_FETCH', // a kernel or input could not be fetched from its URI, or its bytes do not match their hash
  'E_FINGERPRINT', // a node whose signed self-test fingerprint differs from the reference engine
  'E_SCRIPT_LIMIT', // the aggregation script ran past its time, memory or stack limit
  'E_SCRIPT_ERROR', // the aggregation script threw or does not define aggregate
  'E_SCRIPT_RESULT', // the aggregation script returned something that is not a valid result
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

export class AivmError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AivmError';
    this.code = code;
  }
}

/** Uniform message for a bad JS argument: what it is, what was expected, what came. */
export function invalidArgument(name: string, expected: string, actual: unknown): AivmError {
  return new AivmError('E_ARG', `Expected ${expected} for ${name} but received ${describe(actual)}`);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
