// onnxruntime-node's API over a plain ONNX model (issue 13, item 5): code written
// for `onnxruntime-node` ports by changing the import. InferenceSession.create
// parses and checks the model once; run() lowers it for each new set of input
// shapes (kept, a few signatures at a time) and runs it on this process's engine.
// The outputs are the engine's bits, equal on every ISA and thread count;
// runWithHash also gives their canonical hash (docs/HASHING.md), what nodes compare.
import * as fs from 'fs';
import * as path from 'path';
import type { NativeTensor } from '../binding';
import { binding } from '../binding';
import { AivmError, describe } from '../errors';
import { buildIr } from '../ir/build';
import type { IrGraph } from '../ir/types';
import { parseOnnxModel } from '../onnx';
import { checkTensor, DTypes, isBigIntDtype, numel, typedFromValues, type DataOf, type DType } from '../tensor';
import { compileModel, readExternalFrom, type CompiledModel } from './plain-model';

type TypedData = DataOf[DType];

/** onnxruntime's Tensor shape: `new Tensor(type, data, dims)`, fields type, data, dims, size. */
export class Tensor {
  readonly type: DType;
  readonly data: TypedData;
  readonly dims: readonly number[];
  readonly size: number;

  /** new Tensor(type, data, dims?), or new Tensor(data, dims?) with the type read from the typed array (as onnxruntime). */
  constructor(type: DType | TypedData, data?: TypedData | readonly number[] | readonly bigint[] | readonly boolean[] | readonly number[], dims?: readonly number[]) {
    if (typeof type !== 'string') {
      dims = data as readonly number[] | undefined;
      data = type;
      type = typeOfData(type);
    }
    if (!DTypes.includes(type)) throw new AivmError('E_DTYPE', `Tensor: type must be one of ${DTypes.join(', ')}, got ${describe(type)}`);
    if (dims !== undefined && !Array.isArray(dims)) throw new AivmError('E_SHAPE', `Tensor: dims must be an array of integers, got ${describe(dims)}`);
    const typed = ArrayBuffer.isView(data) ? data as TypedData : fromArray(type, data as readonly (number | bigint | boolean)[]);
    const shape = dims ? [...dims] : [typed.length];
    checkTensor({ dtype: type, shape, data: typed }, 'Tensor');
    this.type = type;
    this.data = typed;
    this.dims = shape;
    this.size = numel(shape);
  }
}

/**
 * The type a typed array (or a plain array) holds, as onnxruntime reads it: a Uint8Array
 * is uint8 and a Uint16Array uint16 (bool, float16 and bfloat16 are named: new Tensor(type, data, dims)).
 */
function typeOfData(data: unknown): DType {
  if (Array.isArray(data)) return data.length > 0 && data.every((v) => typeof v === 'boolean') ? 'bool' : 'float32';
  const byArray: [new (n: number) => unknown, DType][] = [[Float32Array, 'float32'], [Float64Array, 'float64'], [Int8Array, 'int8'],
    [Uint8Array, 'uint8'], [Int16Array, 'int16'], [Uint16Array, 'uint16'], [Int32Array, 'int32'], [Uint32Array, 'uint32'],
    [BigInt64Array, 'int64'], [BigUint64Array, 'uint64']];
  const found = byArray.find(([C]) => data instanceof C);
  if (found) return found[1];
  throw new AivmError('E_DTYPE', `Tensor: cannot tell the type of ${describe(data)}; give it: new Tensor(type, data, dims)`);
}

function fromArray(type: DType, values: readonly (number | bigint | boolean)[]): TypedData {
  if (!Array.isArray(values)) throw new AivmError('E_ARG', `Tensor: data must be a typed array or an array, got ${describe(values)}`);
  values.forEach((v, i) => {
    if (isBigIntDtype(type) && typeof v !== 'bigint' && !(typeof v === 'number' && Number.isSafeInteger(v)) && typeof v !== 'boolean') {
      throw new AivmError('E_VALUE', `Tensor: ${type} element ${i} must be a bigint or a safe integer, got ${describe(v)}`);
    }
  });
  // Integers out of the type's range or not integers: E_VALUE (typedFromValues checks).
  return typedFromValues(type, values);
}

export interface SessionOptions {
  /** The engine backend (default: AIVM_ISA, else the widest the CPU has). Every ISA gives the same bits. */
  isa?: string;
  /** Engine threads per run (default 1); onnxruntime's intraOpNumThreads is read as this. */
  threads?: number;
  intraOpNumThreads?: number;
  /** onnxruntime's options that change nothing here (the engine has one CPU path and no graph rewrites). */
  executionProviders?: unknown;
  graphOptimizationLevel?: unknown;
  interOpNumThreads?: unknown;
  logSeverityLevel?: unknown;
}

/** Input-shape signatures kept compiled per session; the least recently used goes first. */
const MAX_SIGNATURES = 8;

export class InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  private readonly programs = new Map<string, CompiledModel>();
  private released = false;

  private constructor(private readonly ir: IrGraph, private readonly options: { isa?: string; threads: number }) {
    this.inputNames = ir.inputs.map((i) => i.name);
    this.outputNames = [...ir.outputs];
  }

  /**
   * A session over an ONNX file (its external data read from the file's folder) or its bytes.
   * Throws AivmError: E_ONNX_CORRUPT / E_ONNX_INVALID / E_UNSUPPORTED_OPSET / E_UNSUPPORTED_OP...
   */
  static async create(model: string | Uint8Array | ArrayBufferLike, optionsOrOffset: SessionOptions | number = {}, byteLength?: number,
    moreOptions: SessionOptions = {}): Promise<InferenceSession> {
    // onnxruntime's create(buffer, byteOffset, byteLength?, options?) form.
    let options = typeof optionsOrOffset === 'number' ? moreOptions : optionsOrOffset;
    if (typeof optionsOrOffset === 'number') {
      if (!(model instanceof ArrayBuffer || model instanceof SharedArrayBuffer)) throw new AivmError('E_ARG', 'InferenceSession.create: a byte offset goes with an ArrayBuffer');
      model = new Uint8Array(model, optionsOrOffset, byteLength ?? model.byteLength - optionsOrOffset);
    }
    options ??= {};
    let bytes: Uint8Array;
    let dir: string | undefined;
    if (typeof model === 'string') {
      try {
        bytes = new Uint8Array(fs.readFileSync(model));
      } catch (err) {
        throw new AivmError('E_KERNEL_FILE', `cannot read the model ${model}: ${(err as Error).message}`);
      }
      dir = path.dirname(path.resolve(model));
    } else if (model instanceof Uint8Array) {
      bytes = model;
    } else if (model instanceof ArrayBuffer || model instanceof SharedArrayBuffer) {
      bytes = new Uint8Array(model);
    } else {
      throw new AivmError('E_ARG', `InferenceSession.create: expected a path, a Uint8Array or an ArrayBuffer, got ${describe(model)}`);
    }
    // onnxruntime's intraOpNumThreads 0 means "the default".
    const threads = options.threads ?? (options.intraOpNumThreads || undefined) ?? 1;
    if (!Number.isSafeInteger(threads) || threads < 1) throw new AivmError('E_THREADS', `threads must be a positive integer, got ${describe(threads)}`);
    const parsed = parseOnnxModel(bytes, dir ? { readExternal: readExternalFrom(dir) } : {
      readExternal: (location) => {
        throw new AivmError('E_ONNX_INVALID', `the model keeps tensor data in an external file (${location}); create the session from the model's path`);
      },
    });
    const ir = buildIr(parsed, binding().engineInfo().ops);
    return new InferenceSession(ir, { isa: options.isa, threads });
  }

  /** Runs the model: feeds by input name; the outputs by name (all, or those `fetches` names). */
  async run(feeds: Record<string, unknown>, fetches?: readonly string[] | Record<string, unknown>): Promise<Record<string, Tensor>> {
    return (await this.runWithHash(feeds, fetches)).outputs;
  }

  /** run(), and the canonical hash of all the model's outputs in graph order (what nodes compare). */
  async runWithHash(feeds: Record<string, unknown>, fetches?: readonly string[] | Record<string, unknown>): Promise<{ outputs: Record<string, Tensor>; hash: string }> {
    if (this.released) throw new AivmError('E_CLOSED', 'this InferenceSession was released');
    const inputs = this.feedsInOrder(feeds);
    // onnxruntime's run(feeds, options): an object naming no output is run options (none change anything here).
    const names = fetches === undefined || fetches === null ? [] : Array.isArray(fetches) ? fetches as readonly string[] : Object.keys(fetches);
    const wanted = names.length === 0 || (!Array.isArray(fetches) && names.every((n) => !this.outputNames.includes(n))) ? this.outputNames : names;
    for (const name of wanted) {
      if (!this.outputNames.includes(name)) throw new AivmError('E_INPUT', `'${name}' is not an output of the model (outputs: ${this.outputNames.join(', ')})`);
    }
    const compiled = await this.compiled(inputs.map((t) => t.shape));
    const result = await compiled.program.run(inputs, { isa: this.options.isa, threads: this.options.threads, hash: true });
    const outputs: Record<string, Tensor> = {};
    compiled.outputs.forEach((name, i) => {
      // defineProperty: an output named '__proto__' is an own key like any other.
      const value = new Tensor(result.outputs[i].dtype, result.outputs[i].data, result.outputs[i].shape);
      if (wanted.includes(name)) Object.defineProperty(outputs, name, { value, enumerable: true, writable: true, configurable: true });
    });
    return { outputs, hash: result.outputHash! };
  }

  async release(): Promise<void> {
    this.released = true;
    this.programs.clear();
  }

  /** The feeds as engine tensors in the model's input order, each checked against its declaration. */
  private feedsInOrder(feeds: Record<string, unknown>): NativeTensor[] {
    if (typeof feeds !== 'object' || feeds === null) throw new AivmError('E_ARG', `run: feeds must be an object of tensors by input name, got ${describe(feeds)}`);
    for (const name of Object.keys(feeds)) {
      if (!this.inputNames.includes(name)) throw new AivmError('E_INPUT', `'${name}' is not an input of the model (inputs: ${this.inputNames.join(', ')})`);
    }
    return this.ir.inputs.map((spec) => {
      const feed = Object.hasOwn(feeds, spec.name) ? feeds[spec.name] as { type?: unknown; dtype?: unknown; dims?: unknown; shape?: unknown; data?: unknown } | null : undefined;
      if (feed === undefined) throw new AivmError('E_INPUT', `input '${spec.name}' is missing`);
      if (typeof feed !== 'object' || feed === null) throw new AivmError('E_INPUT', `input '${spec.name}' must be a Tensor, got ${describe(feed)}`);
      // onnxruntime's Tensor ({ type, dims, data }) or this package's ({ dtype, shape, data }).
      const dims = feed.dims !== undefined ? feed.dims : feed.shape;
      const t = { dtype: feed.type ?? feed.dtype, shape: Array.isArray(dims) ? [...dims] : dims, data: feed.data };
      checkTensor(t, `input '${spec.name}'`);
      if (t.dtype !== spec.dtype) throw new AivmError('E_INPUT', `input '${spec.name}' must be ${spec.dtype}, got ${t.dtype}`);
      if (t.shape.length !== spec.shape.length || spec.shape.some((d, i) => typeof d === 'number' && d !== t.shape[i])) {
        throw new AivmError('E_INPUT', `input '${spec.name}' must have shape [${spec.shape.join(', ')}], got [${t.shape.join(', ')}]`);
      }
      return t as NativeTensor;
    });
  }

  private async compiled(shapes: number[][]): Promise<CompiledModel> {
    const key = shapes.map((s) => s.join('x')).join(',');
    let c = this.programs.get(key);
    if (c) {
      this.programs.delete(key); // re-insert: Map order is recency order
    } else {
      c = await compileModel(this.ir, shapes);
      if (this.programs.size >= MAX_SIGNATURES) this.programs.delete(this.programs.keys().next().value as string);
    }
    this.programs.set(key, c);
    return c;
  }
}
