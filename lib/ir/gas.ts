// Gas: the deterministic cost of a run, a pure function of the lowered program
// (ops and shapes), known before anything runs. A change to it changes which
// runs a limit admits, so it is versioned ("aivm-gas-v2"); docs/GAS.md has the
// model, the calibration and what the price means in seconds.
//
// v2 prices time: each node's gas is a per-op linear combination of a few
// features read off its shapes (a fixed cost, bytes moved, arithmetic work, the
// number of inner loops the engine runs, the tensors it touches), with
// coefficients fitted by scripts/gas-calibrate.mjs to the engine's measured
// time of every op over tiny to large shapes (lib/ir/gas-table.ts).
import type { AttrValue } from '../binding';
import { AivmError } from '../errors';
import { dtypeSize, type DType } from '../tensor';
import { GAS_TABLE, RUN_COEFFICIENTS } from './gas-table';

export const GAS_VERSION = 'aivm-gas-v2';

/** The features of a node, in the order of GAS_TABLE's coefficients. */
export const GAS_FEATURES = ['node', 'bytes', 'work', 'loops', 'tensors'] as const;
export type GasFeatures = Record<(typeof GAS_FEATURES)[number], bigint>;

/**
 * The register tile the GEMM-family work is counted in (MR x NR of the AVX2
 * micro-kernel). A product whose M or N is not a multiple of it costs the whole
 * tile, so a 1024x1024x1 MatMul is priced as the 16 columns it computes.
 */
export const GEMM_TILE_M = 6n;
export const GEMM_TILE_N = 16n;

/** A node input: dtype and shape, and the data of a constant (Reduce axes, Slice steps read it). */
type Spec = { dtype: DType; shape: number[]; data?: ArrayLike<number | bigint> } | null;
type OutSpec = { dtype: DType; shape: number[] };

const ceilTo = (x: bigint, m: bigint): bigint => ((x + m - 1n) / m) * m;
const prod = (dims: number[], from = 0, to = dims.length): bigint => {
  let p = 1n;
  for (let i = from; i < to; i++) p *= BigInt(dims[i]);
  return p;
};
const bytes = (s: Spec): bigint => (s ? prod(s.shape) * BigInt(dtypeSize(s.dtype)) : 0n);
const int = (v: AttrValue | undefined, dflt: number): number => (v === undefined ? dflt : Number(v as number | bigint));
const axisOf = (v: AttrValue | undefined, dflt: number, rank: number): number => {
  const a = int(v, dflt);
  return a < 0 ? a + rank : a;
};
/** Rows of a shape walked along its last dimension (what broadcasting and copies loop over). */
const rows = (shape: number[]): bigint => (shape.length === 0 ? 1n : prod(shape, 0, shape.length - 1));

/**
 * GEMM work and loops: the register tiles computed times K, and the calls plus
 * the tiles (each tile has its own setup and store, each call its packing).
 */
function gemm(calls: bigint, m: bigint, n: bigint, k: bigint): [bigint, bigint] {
  const tiles = calls * (ceilTo(m, GEMM_TILE_M) / GEMM_TILE_M) * (ceilTo(n, GEMM_TILE_N) / GEMM_TILE_N);
  return [tiles * GEMM_TILE_M * GEMM_TILE_N * k, calls + tiles];
}

/** Cost classes beyond the engine's ops: an op whose engine paths differ in speed (gasClass). */
export const PATH_CLASSES = ['Cast/from-float', 'Cast/to-bool', 'Conv/depthwise', 'Transpose/tiled'] as const;

/** The integer values of a constant input (undefined when absent or not a constant). */
const intsOf = (s: Spec | undefined): number[] | undefined => (s?.data ? Array.from(s.data, Number) : undefined);

/**
 * Ops priced as another op's class because the engine runs them on the same path at the
 * same speed: an op added later need not refit the table (which would be a new gas
 * version), docs/ADDING_AN_OP.md. PRelu is apply_broadcast with one compare and multiply
 * per element, as Mul; GreaterOrEqual and LessOrEqual are Greater's and Less's compare
 * with another predicate; And, Or and Xor are Equal's walk over bool bytes; Not, IsNaN and
 * IsInf are one-test maps, as Neg; Floor, Ceil, Round and Sign a few compares and selects
 * per element with the NaN canonicalization, as Relu. Min, Max, Sum and Mean are Add's walk
 * once per input (workAndLoops counts the passes). Mod is apply_broadcast with an exact
 * remainder per element (float: at most 8 integer divisions, measured at most 70 ns per
 * element on one Zen 3 core, 16-20 ns for close exponents; integers: one division), priced
 * as Pow with its work counted twice: 78 gas per element, above the worst case.
 * Trilu is a row walk with one compare and select per element, as Where; GatherElements
 * reads, checks and follows one index per element, as Gather does per index. HardSigmoid
 * and HardSwish are maps of one or two multiplies, an addition and compares, as LeakyRelu.
 * ArgMax and ArgMin scan each output's elements with a compare and a select (scalar, one
 * output per loop), priced as Where's select per element (about 2.5 ns, above the scan's 1).
 * Pad is a row walk through per-axis source tables with a select per element, as Where.
 * Resize nearest is a row walk through per-axis index tables, as Where per output element;
 * linear and cubic read taps^k inputs per output (2 or 4 taps on each of the k axes whose size
 * changes) through a generic tap combiner: measured 8 to 18 ns per read on one loaded Zen 3
 * core, priced as Pow (39 gas) per 2 reads (gasClass, workAndLoops). RMSNormalization is
 * LayerNormalization's row walk with one pass less (no mean), priced as it.
 */
export const CLASS_OF: Readonly<Record<string, string>> = {
  PRelu: 'Mul', GreaterOrEqual: 'Greater', LessOrEqual: 'Less', And: 'Equal', Or: 'Equal', Xor: 'Equal', Not: 'Neg',
  Floor: 'Relu', Ceil: 'Relu', Round: 'Relu', Sign: 'Relu', IsNaN: 'Neg', IsInf: 'Neg',
  Min: 'Add', Max: 'Add', Sum: 'Add', Mean: 'Add', Mod: 'Pow', Trilu: 'Where', GatherElements: 'Gather',
  HardSigmoid: 'LeakyRelu', HardSwish: 'LeakyRelu', ArgMax: 'Where', ArgMin: 'Where', Pad: 'Where', Resize: 'Where', RMSNormalization: 'LayerNormalization',
  // apply_broadcast with one integer operation per element (BitShift: a compare and a shift), as integer Add; BitwiseNot a map, as Neg.
  BitwiseAnd: 'Add', BitwiseOr: 'Add', BitwiseXor: 'Add', BitShift: 'Add', BitwiseNot: 'Neg',
  // math/trig.h: a binary64 evaluation per element (polynomials, exp/log1p, one or two divisions and a sqrt), as Erf.
  Sin: 'Erf', Cos: 'Erf', Tan: 'Erf', Asin: 'Erf', Acos: 'Erf', Atan: 'Erf', Sinh: 'Erf', Cosh: 'Erf', Asinh: 'Erf', Acosh: 'Erf', Atanh: 'Erf',
  // ScatterElements and ScatterND copy data, then follow one checked index per update element, as Gather per index;
  // TensorScatter is a row walk choosing the update's row or the cache's, as Where; TopK sorts each line (compares and
  // selects, about log2 of the line per element), priced as Where per compare, as ArgMax.
  ScatterElements: 'Gather', ScatterND: 'Gather', TensorScatter: 'Where', TopK: 'Where',
  // BitCast copies the bytes (a 4- or 2-bit target: one mask per byte), as Reshape's copy.
  BitCast: 'Reshape',
};

/** The cost class of a node: its op, or the op and the engine path where paths differ in speed. */
export function gasClass(op: string, inputs: Spec[], attrs: Record<string, AttrValue>): string {
  if (op === 'Resize' && (attrs.mode === 'linear' || attrs.mode === 'cubic')) return 'Pow';
  if (Object.hasOwn(CLASS_OF, op)) return CLASS_OF[op];
  // native/cpu/ops/cast.cc: from float32 every element is tested (NaN, saturation, zero);
  // from integers to bool each is compared with 0; other casts are plain conversions.
  if (op === 'Cast' && inputs[0]) {
    if (inputs[0].dtype === 'float32') return 'Cast/from-float';
    if (int(attrs.to, 1) === 9) return 'Cast/to-bool';
  }
  if (op === 'Transpose' && inputs[0] && transposePlan(inputs[0].shape, attrs).tiles !== undefined) return 'Transpose/tiled';
  if (op === 'Conv' && inputs[1]) {
    const group = BigInt(int(attrs.group, 1));
    const w = inputs[1].shape;
    // native/cpu/ops/conv.cc: one input channel per group and fewer output channels per group than a tile.
    if (group > 1n && w[1] === 1 && BigInt(w[0]) / group < GEMM_TILE_M) return 'Conv/depthwise';
  }
  return op;
}

/** Work and loops of one node, from its shapes (see docs/GAS.md for each op's definition). */
function workAndLoops(op: string, inputs: Spec[], outputs: OutSpec[], attrs: Record<string, AttrValue>): [bigint, bigint] {
  const x = inputs[0];
  const y = outputs[0];
  const inN = x ? prod(x.shape) : 0n;
  const outN = y ? prod(y.shape) : 0n;
  switch (op) {
    case 'MatMul': {
      const a = x!.shape;
      const b = inputs[1]!.shape;
      const k = BigInt(a[a.length - 1]);
      const m = a.length === 1 ? 1n : BigInt(a[a.length - 2]);
      const n = b.length === 1 ? 1n : BigInt(b[b.length - 1]);
      const batchA = a.length <= 2 ? 1n : prod(a, 0, a.length - 2);
      const batchB = b.length <= 2 ? 1n : prod(b, 0, b.length - 2);
      const batch = m * n === 0n ? 0n : outN / (m * n);
      // One B and contiguous A batches: the engine runs a single GEMM of batch*M rows.
      if (batchB === 1n && batchA === batch) return gemm(1n, batch * m, n, k);
      return gemm(batch, m, n, k);
    }
    case 'Gemm': {
      const a = x!.shape;
      const k = BigInt(int(attrs.transA, 0) ? a[0] : a[1]);
      return gemm(1n, BigInt(y.shape[0]), BigInt(y.shape[1]), k);
    }
    case 'Conv': {
      const w = inputs[1]!.shape;
      const group = BigInt(int(attrs.group, 1));
      const images = BigInt(x!.shape[0]);
      const perGroup = BigInt(w[0]) / group;
      const k = prod(w, 1);
      const plane = prod(y.shape, 2);
      if (gasClass(op, inputs, attrs) === 'Conv/depthwise') return [outN * k, images * BigInt(w[0]) * BigInt(y.shape[2] ?? 1)];
      return gemm(images * group, perGroup, plane, k);
    }
    case 'MaxPool':
    case 'AveragePool': {
      const kernel = Array.isArray(attrs.kernel_shape) ? (attrs.kernel_shape as (number | bigint)[]).map(Number) : [];
      return [outN * prod(kernel), rows(y.shape)];
    }
    case 'GlobalAveragePool':
      return [inN, prod(x!.shape, 0, 2)];
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceMax':
    case 'ReduceMin':
      return [inN, reduceLoops(x!.shape, inputs[1], attrs, outN)];
    case 'Softmax':
    case 'LogSoftmax': {
      const axis = axisOf(attrs.axis, -1, x!.shape.length);
      return [inN, x!.shape.length === 0 ? 1n : inN / BigInt(Math.max(1, x!.shape[axis]))];
    }
    case 'LayerNormalization':
    case 'RMSNormalization': {
      const axis = axisOf(attrs.axis, -1, x!.shape.length);
      return [inN, prod(x!.shape, 0, axis)];
    }
    case 'BatchNormalization':
      return [inN, prod(x!.shape, 0, Math.min(2, x!.shape.length))];
    case 'Transpose': {
      const plan = transposePlan(x!.shape, attrs);
      return [outN, plan.tiles ?? plan.runs];
    }
    case 'Concat': {
      const axis = axisOf(attrs.axis, 0, y.shape.length);
      return [outN, prod(y.shape, 0, axis) * BigInt(inputs.length)];
    }
    case 'Split': {
      const axis = axisOf(attrs.axis, 0, x!.shape.length);
      return [inN, prod(x!.shape, 0, axis) * BigInt(outputs.length)];
    }
    case 'Gather': {
      // Work: the rows copied (one per outer position and index); loops: the indices,
      // each read, checked and used for a (random) read of the data.
      const axis = axisOf(attrs.axis, 0, x!.shape.length);
      const indices = prod(inputs[1]!.shape);
      return [prod(x!.shape, 0, axis) * indices, indices];
    }
    case 'Slice': {
      const { runs, strided } = sliceRuns(x!.shape, y.shape, inputs);
      return [strided ? 2n * outN : outN, runs];
    }
    case 'Expand':
      return [outN, rows(y.shape)];
    case 'Min':
    case 'Max':
    case 'Sum':
    case 'Mean': {
      // One apply_broadcast pass over the output per input (the first copies it in): a
      // flat loop for an input of the output's shape, else a walk over the output's rows.
      const given = inputs.filter((s): s is NonNullable<Spec> => s !== null);
      const walked = given.filter((s) => s.shape.length !== y.shape.length || s.shape.some((d, i) => d !== y.shape[i])).length;
      return [outN * BigInt(given.length), rows(y.shape) * BigInt(walked)];
    }
    case 'Where':
    case 'Trilu':
    case 'Pad':
      // Walked row by row (Where: over the three-way broadcast, whatever the shapes).
      return [outN, rows(y.shape)];
    case 'Resize': {
      // Inputs read per output: 1 (nearest), or taps to the power of the axes the engine
      // interpolates: every axis but those of scale 1 and unchanged size (native/ops/resize.cc;
      // tf_crop_and_resize and the aspect-ratio policies: every axis, an upper bound).
      const taps = attrs.mode === 'linear' ? 2n : attrs.mode === 'cubic' ? 4n : 1n;
      if (taps === 1n) return [outN, rows(y.shape)];
      const everyAxis = attrs.coordinate_transformation_mode === 'tf_crop_and_resize' ||
        (attrs.keep_aspect_ratio_policy !== undefined && attrs.keep_aspect_ratio_policy !== 'stretch');
      const scales = inputs[2]?.data && inputs[2].data.length > 0 ? Array.from(inputs[2].data as Float32Array) : undefined;
      const k = everyAxis ? x!.shape.length : scales
        ? scales.filter((s) => s !== 1).length + x!.shape.filter((d, i) => d !== y.shape[i]).length
        : x!.shape.filter((d, i) => d !== y.shape[i]).length;
      // Pow's class per 2 reads (workAndLoops): above the 8 to 18 ns per read measured.
      return [(outN * taps ** BigInt(Math.min(k, x!.shape.length)) + 1n) / 2n, rows(y.shape)];
    }
    case 'ArgMax':
    case 'ArgMin':
      // Every input element compared once; one scan per output.
      return [inN, outN];
    case 'GatherElements':
      // Every output element is one index followed: Gather's loop, once per element.
      return [outN, outN];
    case 'ScatterElements':
    case 'ScatterND': {
      // data copied, then each update element follows one checked index (one loop each).
      const updates = prod(inputs[2]!.shape);
      return [outN + updates, updates];
    }
    case 'TensorScatter':
      return [outN, rows(y.shape)];
    case 'TopK': {
      // Each line of the axis sorted: about log2(n) compares per element; one loop per line.
      const axis = axisOf(attrs.axis, -1, x!.shape.length);
      const n = x!.shape[axis] ?? 0;
      const log = BigInt(Math.max(1, Math.ceil(Math.log2(n + 1))));
      return [inN * log, n === 0 ? 0n : inN / BigInt(n)];
    }
    case 'Mod': {
      // Pow's walk, work counted twice (see CLASS_OF).
      const broadcast = inputs.some((s) => s !== null && (s.shape.length !== y.shape.length || s.shape.some((d, i) => d !== y.shape[i])));
      return [2n * outN, broadcast ? rows(y.shape) : 0n];
    }
    default: {
      // Binary ops walk broadcast inputs row by row (same shapes: one flat loop); the
      // rest (unary ops, Clip with its scalar bounds, Cast, Reshape's copy) one flat loop.
      if (!BROADCASTING.has(op)) return [outN, 0n];
      const broadcast = inputs.some((s) => s !== null && (s.shape.length !== y.shape.length || s.shape.some((d, i) => d !== y.shape[i])));
      return [outN, broadcast ? rows(y.shape) : 0n];
    }
  }
}

/** The binary ops of native/cpu/ops/binary.cc's apply_broadcast (Where walks rows always). */
const BROADCASTING = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'PRelu', 'Equal', 'Less', 'Greater', 'GreaterOrEqual', 'LessOrEqual',
  'And', 'Or', 'Xor', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitShift']);

/**
 * Inner loops of a reduction (native/cpu/ops/reduce.cc): axes merged into
 * alternating kept / reduced groups (size-1 axes dropped). With the innermost
 * group reduced, each output reduces a contiguous run into 16 partial sums and
 * combines them by the fixed tree: 31 loops per output. Otherwise the outputs
 * go in tiles of up to 64 neighbours, and each tile runs R + 31 loops (R
 * reduced elements, each a loop over the tile, then the tree).
 */
function reduceLoops(shape: number[], axesInput: Spec | undefined, attrs: Record<string, AttrValue>, outN: bigint): bigint {
  const rank = shape.length;
  const listed = intsOf(axesInput) ?? (Array.isArray(attrs.axes) ? (attrs.axes as (number | bigint)[]).map(Number) : []);
  if (listed.length === 0 && int(attrs.noop_with_empty_axes, 0) === 1) return 0n; // a copy
  const reduced = new Array<boolean>(rank).fill(listed.length === 0);
  for (const a of listed) reduced[a < 0 ? a + rank : a] = true;
  const size: bigint[] = [];
  const red: boolean[] = [];
  let r = 1n;
  for (let d = 0; d < rank; d++) {
    if (reduced[d]) r *= BigInt(shape[d]);
    if (shape[d] === 1) continue;
    if (size.length && red[red.length - 1] === reduced[d]) size[size.length - 1] *= BigInt(shape[d]);
    else {
      size.push(BigInt(shape[d]));
      red.push(reduced[d]);
    }
  }
  if (r === 0n || outN === 0n) return 0n;
  if (size.length === 0 || red[red.length - 1]) {
    if (size.length === 0 || red.filter(Boolean).length > 1) {
      size.push(1n);
      red.push(false);
    } else {
      return outN * 31n; // one contiguous run per output, then its tree
    }
  }
  const inner = size[size.length - 1];
  const tiles = (inner + 63n) / 64n;
  return (outN / inner) * tiles * (r + 31n);
}

/**
 * How native/cpu/ops/shape_ops.cc transposes: output axes (size-1 dropped)
 * merged where they are neighbours in the input too. When the innermost output
 * axis is contiguous in the input, rows of it are copied as runs; otherwise the
 * copy goes in 32 x 32 tiles of the two axes involved, element by element.
 */
function transposePlan(shape: number[], attrs: Record<string, AttrValue>): { runs: bigint; tiles?: bigint } {
  const rank = shape.length;
  const perm = Array.isArray(attrs.perm) ? (attrs.perm as (number | bigint)[]).map(Number) : [...Array(rank).keys()].reverse();
  const strides = shape.map((_, d) => prod(shape, d + 1));
  const axes: { n: bigint; is: bigint }[] = [];
  for (const p of perm) {
    const n = BigInt(shape[p]);
    if (n === 1n) continue;
    const last = axes[axes.length - 1];
    if (last && last.is === strides[p] * n) {
      last.n *= n;
      last.is = strides[p];
    } else {
      axes.push({ n, is: strides[p] });
    }
  }
  const total = prod(shape);
  if (total === 0n) return { runs: 0n };
  if (axes.length <= 1) return { runs: 1n };
  const inner = axes[axes.length - 1];
  if (inner.is === 1n) return { runs: total / inner.n };
  const k = axes.find((a) => a.is === 1n)!;
  const tiles = (total / (k.n * inner.n)) * ((k.n + 31n) / 32n) * ((inner.n + 31n) / 32n);
  return { runs: 0n, tiles };
}

/**
 * Runs of a Slice (native/cpu/ops/shape_ops.cc copy_by_axes): trailing axes
 * copied whole with step 1 merge into one contiguous run, one loop each; when
 * the innermost axis steps by other than 1 the run is copied element by element
 * (strided: its elements count twice as work).
 */
function sliceRuns(inShape: number[], outShape: number[], inputs: Spec[]): { runs: bigint; strided: boolean } {
  const rank = inShape.length;
  const steps = new Array<number>(rank).fill(1);
  const listedSteps = intsOf(inputs[4]);
  const axes = intsOf(inputs[3]) ?? listedSteps?.map((_, i) => i) ?? [];
  listedSteps?.forEach((st, i) => (steps[axes[i] < 0 ? axes[i] + rank : axes[i]] = st));
  const total = prod(outShape);
  if (rank === 0 || total === 0n) return { runs: 0n, strided: false };
  let d = rank - 1;
  let run = BigInt(outShape[d]);
  const contiguous = steps[d] === 1;
  // Merge the next outer axis while the run is a whole input row read with step 1.
  while (contiguous && d > 0 && outShape[d] === inShape[d] && steps[d] === 1 && steps[d - 1] === 1) {
    d--;
    run *= BigInt(outShape[d]);
  }
  return { runs: total / run, strided: !contiguous };
}

/** The features of one engine node, from its input and output shapes. */
export function gasFeatures(op: string, inputs: Spec[], outputs: OutSpec[], attrs: Record<string, AttrValue>): GasFeatures {
  let moved = 0n;
  for (const s of inputs) moved += bytes(s);
  for (const s of outputs) moved += bytes(s);
  const [work, loops] = workAndLoops(op, inputs, outputs, attrs);
  const tensors = BigInt(inputs.filter((s) => s !== null).length + outputs.length);
  return { node: 1n, bytes: moved, work, loops, tensors };
}

/** gas = ceil(sum of coefficient x feature / 10^6): the table holds microgas per unit of each feature. */
function priced(coefficients: readonly number[], features: bigint[]): bigint {
  let micro = 0n;
  for (let i = 0; i < features.length; i++) micro += BigInt(coefficients[i]) * features[i];
  return (micro + 999_999n) / 1_000_000n;
}

/** The gas of one engine node. */
export function nodeGas(op: string, inputs: Spec[], outputs: OutSpec[], attrs: Record<string, AttrValue>): bigint {
  const cls = gasClass(op, inputs, attrs);
  const coefficients = GAS_TABLE[cls];
  if (!coefficients) throw new AivmError('E_INTERNAL', `gas: no price for engine op ${cls} (lib/ir/gas-table.ts)`);
  const f = gasFeatures(op, inputs, outputs, attrs);
  return priced(coefficients, GAS_FEATURES.map((k) => f[k]));
}

/** The gas of a run beyond its nodes: a fixed cost plus its inputs' and outputs' bytes (copied and hashed). */
export function runGas(ioBytes: bigint): bigint {
  return priced(RUN_COEFFICIENTS, [1n, ioBytes]);
}
