// Structured random graphs: chains of engine and graph-level ops with plausible
// attributes, dtypes and shapes, written as ONNX models (onnx.mjs). Each builder
// knows its op's shape rule, so most graphs are valid and reach lowering, the
// Program and a run; one node in ~12 is then made hostile (an attribute or a
// constant input replaced by an extreme value, an input dropped or added), and
// past that node the chain only uses ops that need no shape.
//   graphCase(rng) -> { model: Uint8Array, inputs: NativeTensor[], shapes: number[][] }
import { model } from './onnx.mjs';

const UNARY_FLOAT = ['Sqrt', 'Reciprocal', 'Relu', 'Sigmoid', 'Tanh', 'Exp', 'Log', 'Erf', 'Softplus', 'Floor', 'Ceil', 'Round',
  'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh'];
const ARITH = ['Add', 'Sub', 'Mul', 'Div'];
const COMPARE = ['Equal', 'Less', 'Greater', 'GreaterOrEqual', 'LessOrEqual'];
const REDUCE = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin'];
// The loader's composed ops (lib/ir/composed.ts) of the same shapes as the plain ones.
const REDUCE_COMPOSED = ['ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceProd'];
const ACTIVATION_COMPOSED = { Elu: ['alpha'], Selu: ['alpha', 'gamma'], ThresholdedRelu: ['alpha'], Shrink: ['bias', 'lambd'],
  Softsign: [], Mish: [], Swish: ['alpha'], Celu: ['alpha'] };
// Every engine dtype (lib/tensor.ts DTYPE_TABLE): float16/bfloat16 as their bit patterns.
const TYPED = {
  float32: Float32Array, int32: Int32Array, int64: BigInt64Array, bool: Uint8Array, float16: Uint16Array, bfloat16: Uint16Array,
  float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array,
  float8e4m3fn: Uint8Array, float8e4m3fnuz: Uint8Array, float8e5m2: Uint8Array, float8e5m2fnuz: Uint8Array, float8e8m0: Uint8Array,
  uint4: Uint8Array, int4: Int8Array, float4e2m1: Uint8Array, uint2: Uint8Array, int2: Int8Array,
};
const CAST_TO = {
  1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 16: 'bfloat16', 11: 'float64', 3: 'int8', 2: 'uint8', 5: 'int16',
  4: 'uint16', 12: 'uint32', 13: 'uint64', 21: 'uint4', 22: 'int4', 23: 'float4e2m1', 25: 'uint2', 26: 'int2',
};
// The 4- and 2-bit types, one element per byte: the values a byte may hold.
const SUB_BYTE_RANGE = { uint4: [0, 15], int4: [-8, 7], float4e2m1: [0, 15], uint2: [0, 3], int2: [-2, 1] };
const BIGINT_DTYPES = ['int64', 'uint64'];
// float16 / bfloat16 patterns: 0, -0, 1, -2, the largest finite, the smallest subnormal, inf, NaN.
const BITS16 = { float16: [0, 0x8000, 0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x7e00], bfloat16: [0, 0x8000, 0x3f80, 0xc000, 0x7f7f, 0x0001, 0x7f80, 0x7fc0] };

/** Values a hostile attribute or constant entry takes: limits, overflow edges, signs. */
export const HOSTILE_INTS = [-1n, 0n, -2n, 65537n, 2n ** 31n, -(2n ** 31n), 2n ** 34n + 1n, 2n ** 40n, 2n ** 62n,
  2n ** 63n - 1n, -(2n ** 63n)];

const numel = (shape) => shape.reduce((a, b) => a * b, 1);
const big = (list) => list.map((v) => BigInt(v));

/** Random data for a tensor: mostly ordinary values, now and then NaN, infinities, -0, huge. */
export function randomData(rng, dtype, shape) {
  const n = numel(shape);
  const data = new TYPED[dtype](n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'float32' || dtype === 'float64') {
      data[i] = rng.chance(0.02) ? rng.pick([NaN, Infinity, -Infinity, -0, 3e38, 1e-40]) : rng.unit() * 4;
    } else if (BITS16[dtype]) data[i] = rng.pick(BITS16[dtype]);
    else if (dtype.startsWith('float8')) data[i] = rng.int(256); // any pattern: every float8 byte is a value or a NaN
    else if (dtype === 'bool') data[i] = rng.int(2);
    else if (SUB_BYTE_RANGE[dtype]) data[i] = rng.range(...SUB_BYTE_RANGE[dtype]);
    else {
      const v = dtype.startsWith('u') ? rng.range(0, 9) : rng.range(-4, 9);
      data[i] = BIGINT_DTYPES.includes(dtype) ? BigInt(v) : v;
    }
  }
  return data;
}

function randomShape(rng, rank) {
  return Array.from({ length: rank }, () => (rng.chance(0.04) ? 0 : rng.chance(0.08) ? rng.pick([7, 16, 33]) : rng.range(1, 5)));
}

/** The graph being built: values with dtype and shape (null: unknown past a hostile node). */
class Graph {
  constructor(rng) {
    this.rng = rng;
    this.nodes = [];
    this.inits = [];
    this.values = [];
    this.inputs = [];
    this.next = 0;
  }
  name(prefix) {
    return `${prefix}${this.next++}`;
  }
  input(dtype, shape) {
    const v = { name: this.name('in'), dtype, shape };
    this.inputs.push(v);
    this.values.push(v);
    return v;
  }
  /** An initializer; data is a plain array (numbers, or bigints for int64). */
  constant(dtype, shape, values) {
    const name = this.name('c');
    const data = BIGINT_DTYPES.includes(dtype) ? TYPED[dtype].from(values, (v) => BigInt(v)) : TYPED[dtype].from(values);
    this.inits.push({ name, dtype, shape, data });
    return name;
  }
  random(dtype, shape) {
    return this.constant(dtype, shape, randomData(this.rng, dtype, shape));
  }
  ints(values) {
    return this.constant('int64', [values.length], values);
  }
  /** Adds a node; outs: [{dtype, shape}] for its outputs; returns their values. */
  add(op, inputs, attrs, outs) {
    const values = outs.map((o) => ({ name: this.name('v'), dtype: o.dtype, shape: o.shape }));
    this.nodes.push({ op, inputs, outputs: values.map((v) => v.name), attrs });
    this.values.push(...values);
    return values;
  }
}

const isFloat = (v) => v.dtype === 'float32';
const isNumeric = (v) => v.dtype !== 'bool';
const known = (v) => v.shape !== null;
const rankAtLeast = (r) => (v) => known(v) && v.shape.length >= r;
const axisOf = (rng, rank) => (rng.chance(0.3) ? -rng.range(1, rank) : rng.int(rank));
const norm = (axis, rank) => (axis < 0 ? axis + rank : axis);

/** A shape the value broadcasts with: a suffix of it with some dims set to 1, or a scalar. */
function broadcastable(rng, shape) {
  if (rng.chance(0.2)) return [];
  const suffix = shape.slice(rng.int(shape.length + 1));
  return suffix.map((d) => (rng.chance(0.3) ? 1 : d));
}

function poolOut(inp, k, stride, padB, padE, dil) {
  return Math.floor((inp + padB + padE - dil * (k - 1) - 1) / stride) + 1;
}

/**
 * If on x (float32, known shape): a condition computed at run time (ReduceMax(x) > 0), now and
 * then a constant one; the branches read x from the main graph (then: Neg, else: Relu), and now
 * and then disagree in shape (then: Concat of x with itself), which a run-time condition refuses.
 */
function ifNode(g, x) {
  let cond;
  if (g.rng.chance(0.3)) {
    cond = g.constant('bool', [], [g.rng.int(2)]);
  } else {
    const [m] = g.add('ReduceMax', [x.name], { keepdims: 0n }, [{ dtype: 'float32', shape: [] }]);
    [cond] = g.add('Greater', [m.name, g.constant('float32', [], [0])], {}, [{ dtype: 'bool', shape: [] }]).map((v) => v.name);
  }
  const t = g.name('t'), e = g.name('e');
  const mismatch = x.shape.length > 0 && g.rng.chance(0.1);
  const then = mismatch
    ? { nodes: [{ op: 'Concat', inputs: [x.name, x.name], outputs: [t], attrs: { axis: 0n } }], outputs: [t] }
    : { nodes: [{ op: 'Neg', inputs: [x.name], outputs: [t] }], outputs: [t] };
  const otherwise = { nodes: [{ op: 'Relu', inputs: [x.name], outputs: [e] }], outputs: [e] };
  return g.add('If', [typeof cond === 'string' ? cond : cond.name], { then_branch: { graph: then }, else_branch: { graph: otherwise } }, [x]);
}

// Each builder: { when(value) -> usable?, build(g, x) -> output values }.
const BUILDERS = [
  { when: (v) => isFloat(v) && known(v), build: ifNode },
  { when: isFloat, build: (g, x) => g.add(g.rng.pick(UNARY_FLOAT), [x.name], {}, [x]) },
  { when: isNumeric, build: (g, x) => g.add(g.rng.pick(['Abs', 'Neg', 'Sign']), [x.name], {}, [x]) },
  {
    when: isFloat,
    build: (g, x) => (g.rng.chance(0.5) ? g.add('IsNaN', [x.name], {}, [{ dtype: 'bool', shape: x.shape }])
      : g.add('IsInf', [x.name], { detect_negative: BigInt(g.rng.int(2)), detect_positive: BigInt(g.rng.int(2)) }, [{ dtype: 'bool', shape: x.shape }])),
  },
  { when: isFloat, build: (g, x) => g.add('LeakyRelu', [x.name], { alpha: g.rng.unit() }, [x]) },
  { when: isFloat, build: (g, x) => g.add('HardSigmoid', [x.name], g.rng.chance(0.5) ? {} : { alpha: g.rng.unit(), beta: g.rng.unit() }, [x]) },
  { when: isFloat, build: (g, x) => g.add('HardSwish', [x.name], {}, [x]) },
  { when: isFloat, build: (g, x) => g.add('Gelu', [x.name], { approximate: g.rng.pick(['none', 'tanh']) }, [x]) },
  // PRelu's slope broadcasts to X without growing it (a suffix of X's shape, 1s allowed).
  { when: (v) => isFloat(v) && known(v), build: (g, x) => g.add('PRelu', [x.name, g.random('float32', broadcastable(g.rng, x.shape))], {}, [x]) },
  {
    when: isNumeric,
    build: (g, x) => {
      const bound = () => (g.rng.chance(0.3) ? '' : g.random(x.dtype, []));
      return g.add('Clip', [x.name, bound(), bound()], {}, [x]);
    },
  },
  {
    when: (v) => isNumeric(v) && known(v),
    build: (g, x) => {
      const op = isFloat(x) && g.rng.chance(0.2) ? 'Pow' : g.rng.pick(ARITH);
      const shape = broadcastable(g.rng, x.shape);
      return g.add(op, [x.name, g.random(x.dtype, shape)], {}, [x]);
    },
  },
  {
    when: known,
    build: (g, x) => {
      const cmp = g.add(x.dtype === 'bool' ? 'Equal' : g.rng.pick(COMPARE), [x.name, g.random(x.dtype, broadcastable(g.rng, x.shape))], {}, [{ dtype: 'bool', shape: x.shape }])[0];
      return g.rng.chance(0.5) ? [cmp] : g.add('Where', [cmp.name, x.name, g.random(x.dtype, [])], {}, [x]);
    },
  },
  // Mod: float32 takes fmod=1 only; integers either remainder (a zero divisor is E_VALUE at run time).
  {
    when: (v) => isNumeric(v) && known(v),
    build: (g, x) => g.add('Mod', [x.name, g.random(x.dtype, broadcastable(g.rng, x.shape))],
      { fmod: isFloat(x) ? 1n : BigInt(g.rng.int(2)) }, [x]),
  },
  // ArgMax / ArgMin along one axis of a value with at least one element there.
  {
    when: (v) => isNumeric(v) && known(v) && v.shape.length >= 1,
    build: (g, x) => {
      const axis = axisOf(g.rng, x.shape.length);
      const keep = g.rng.int(2);
      const shape = x.shape.flatMap((d, i) => (i === norm(axis, x.shape.length) ? (keep ? [1] : []) : [d]));
      return g.add(g.rng.pick(['ArgMax', 'ArgMin']), [x.name], { axis: BigInt(axis), keepdims: BigInt(keep), select_last_index: BigInt(g.rng.int(2)) },
        [{ dtype: 'int64', shape }]);
    },
  },
  // Pad in every mode: pads in [-1, 3] (negative crops); reflect, edge and wrap need something left to repeat.
  {
    when: (v) => known(v) && v.shape.length >= 1,
    build: (g, x) => {
      const mode = g.rng.pick(['constant', 'reflect', 'edge', 'wrap']);
      const r = x.shape.length;
      const pads = Array.from({ length: 2 * r }, () => g.rng.range(-1, 3));
      const shape = x.shape.map((d, i) => {
        const pb = Math.max(pads[i], -d), pe = Math.max(pads[i + r], -(d + Math.min(pb, 0)));
        pads[i] = pb;
        pads[i + r] = pe;
        const kept = d + Math.min(pb, 0) + Math.min(pe, 0);
        if (kept === 0 && mode !== 'constant') pads[i] = pads[i + r] = 0;
        return d + pads[i] + pads[i + r];
      });
      const ins = [x.name, g.ints(pads.map(BigInt))];
      if (mode === 'constant' && g.rng.chance(0.5)) ins.push(g.random(x.dtype, []));
      return g.add('Pad', ins, { mode }, [{ dtype: x.dtype, shape }]);
    },
  },
  // Resize by scales over every axis (nearest for any dtype; linear and cubic for float32).
  {
    when: (v) => known(v) && v.shape.length >= 1 && v.shape.length <= 4,
    build: (g, x) => {
      const mode = isFloat(x) ? g.rng.pick(['nearest', 'linear', 'cubic']) : 'nearest';
      const transform = g.rng.pick(['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric']);
      const scales = x.shape.map((d) => (d === 0 || g.rng.chance(0.5) ? 1 : g.rng.pick([0.5, 0.75, 1.5, 2, 3])));
      const shape = x.shape.map((d, i) => Math.floor(d * Math.fround(scales[i])));
      const attrs = { mode, coordinate_transformation_mode: transform, nearest_mode: g.rng.pick(['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil']),
        exclude_outside: BigInt(g.rng.int(2)) };
      return g.add('Resize', [x.name, '', g.constant('float32', [scales.length], scales)], attrs, [{ dtype: x.dtype, shape }]);
    },
  },
  // RMSNormalization over the trailing axes from a random axis, Scale of the normalized shape.
  {
    when: (v) => isFloat(v) && known(v) && v.shape.length >= 1,
    build: (g, x) => {
      const axis = axisOf(g.rng, x.shape.length);
      const normalized = x.shape.slice(norm(axis, x.shape.length));
      return g.add('RMSNormalization', [x.name, g.random('float32', normalized)], { axis: BigInt(axis), epsilon: g.rng.pick([1e-5, 1e-6, 0]) }, [x]);
    },
  },
  // The composed activations, float attributes sometimes given.
  {
    when: isFloat,
    build: (g, x) => {
      const op = g.rng.pick(Object.keys(ACTIVATION_COMPOSED));
      const attrs = Object.fromEntries(ACTIVATION_COMPOSED[op].filter(() => g.rng.chance(0.5)).map((k) => [k, g.rng.unit() * 2]));
      return g.add(op, [x.name], attrs, [x]);
    },
  },
  // LpNormalization along one axis, p 1 or 2.
  {
    when: (v) => isFloat(v) && known(v) && v.shape.length >= 1,
    build: (g, x) => g.add('LpNormalization', [x.name], { axis: BigInt(axisOf(g.rng, x.shape.length)), p: BigInt(g.rng.range(1, 2)) }, [x]),
  },
  // The loss ops on [N, C, d...]: targets in [0, C), some of them ignore_index; weight sometimes.
  {
    when: (v) => isFloat(v) && known(v) && v.shape.length >= 2 && v.shape.every((d) => d > 0),
    build: (g, x) => {
      const [n, c, ...rest] = x.shape;
      const ignore = g.rng.chance(0.5) ? g.rng.pick([-1, 0, c - 1, -100]) : undefined;
      const tshape = [n, ...rest];
      const targets = Array.from({ length: numel(tshape) }, () => (ignore !== undefined && g.rng.chance(0.2) ? ignore : g.rng.int(c)));
      const ins = [x.name, g.constant(g.rng.pick(['int64', 'int32']), tshape, targets)];
      if (g.rng.chance(0.5)) ins.push(g.random('float32', [c]));
      const reduction = g.rng.pick(['none', 'sum', 'mean']);
      const attrs = { reduction };
      if (ignore !== undefined) attrs.ignore_index = BigInt(ignore);
      const loss = { dtype: 'float32', shape: reduction === 'none' ? tshape : [] };
      if (g.rng.chance(0.5)) return g.add('NegativeLogLikelihoodLoss', ins, attrs, [loss]);
      return g.add('SoftmaxCrossEntropyLoss', ins, attrs, g.rng.chance(0.5) ? [loss, x] : [loss]);
    },
  },
  // Attention on a 4-D value as Q: K/V heads dividing Q's, a mask (float or bool, maybe short of
  // the keys), causal, softcap, scale, a past cache, windows, the qk output in any mode.
  {
    when: (v) => isFloat(v) && known(v) && v.shape.length === 4 && v.shape.every((d) => d > 0),
    build: (g, x) => {
      const { rng } = g;
      const [b, h, q, d] = x.shape;
      const hkv = rng.pick([1, h].filter((n) => h % n === 0)), kv = rng.range(1, 4), past = rng.chance(0.3) ? rng.range(1, 3) : 0;
      const ins = [x.name, g.random('float32', [b, hkv, kv, d]), g.random('float32', [b, hkv, kv, d])];
      if (rng.chance(0.5)) {
        const width = rng.range(1, kv + past);
        ins.push(g.random(rng.pick(['float32', 'bool']), rng.chance(0.5) ? [q, width] : [b, 1, q, width]));
      } else ins.push('');
      if (past) ins.push(g.random('float32', [b, hkv, past, d]), g.random('float32', [b, hkv, past, d]));
      const attrs = { is_causal: BigInt(rng.int(2)), qk_matmul_output_mode: BigInt(rng.int(4)) };
      if (rng.chance(0.3)) attrs.softcap = rng.unit() * 4;
      if (rng.chance(0.3)) attrs.scale = rng.unit();
      if (rng.chance(0.3)) attrs.left_window_size = BigInt(rng.range(-1, 3));
      if (rng.chance(0.3)) attrs.right_window_size = BigInt(rng.range(-1, 3));
      const outs = [x];
      if (rng.chance(0.3)) outs.push({ dtype: 'float32', shape: [b, hkv, kv + past, d] }, { dtype: 'float32', shape: [b, hkv, kv + past, d] },
        { dtype: 'float32', shape: [b, h, q, kv + past] });
      return g.add('Attention', ins, attrs, outs);
    },
  },
  // RotaryEmbedding on a 4-D value [batch, heads, seq, size], caches per position or by position_ids.
  {
    when: (v) => isFloat(v) && known(v) && v.shape.length === 4 && v.shape[3] % 2 === 0 && v.shape.every((d) => d > 0),
    build: (g, x) => {
      const [b, , s, d] = x.shape;
      const dim = g.rng.chance(0.5) ? d : 2 * g.rng.range(1, d / 2);
      const attrs = { interleaved: BigInt(g.rng.int(2)), rotary_embedding_dim: BigInt(dim) };
      if (g.rng.chance(0.5)) {
        const table = g.rng.range(1, 6);
        const pos = g.constant('int64', [b, s], Array.from({ length: b * s }, () => g.rng.int(table)));
        return g.add('RotaryEmbedding', [x.name, g.random('float32', [table, dim / 2]), g.random('float32', [table, dim / 2]), pos], attrs, [x]);
      }
      return g.add('RotaryEmbedding', [x.name, g.random('float32', [b, s, dim / 2]), g.random('float32', [b, s, dim / 2])], attrs, [x]);
    },
  },
  // CumSum along one axis (the axis a constant, as lowering needs it), exclusive and reverse.
  {
    when: (v) => isNumeric(v) && known(v) && v.shape.length >= 1,
    build: (g, x) => g.add('CumSum', [x.name, g.constant('int64', [], [axisOf(g.rng, x.shape.length)])],
      { exclusive: BigInt(g.rng.int(2)), reverse: BigInt(g.rng.int(2)) }, [x]),
  },
  // RNN, GRU and LSTM on a 3-D value as X (either layout), unrolled by lowering.
  { when: (v) => isFloat(v) && known(v) && v.shape.length === 3, build: (g, x) => recurrent(g, x, 'RNN') },
  { when: (v) => isFloat(v) && known(v) && v.shape.length === 3, build: (g, x) => recurrent(g, x, 'GRU') },
  { when: (v) => isFloat(v) && known(v) && v.shape.length === 3, build: (g, x) => recurrent(g, x, 'LSTM') },
  // ReverseSequence along axis 0 or 1 (the other the batch), lengths a constant in [0, time] or a run-time input of any values.
  {
    when: (v) => known(v) && v.shape.length >= 2,
    build: (g, x) => {
      const timeAxis = g.rng.int(2), T = x.shape[timeAxis], B = x.shape[1 - timeAxis];
      const lens = g.rng.chance(0.6) ? g.constant('int64', [B], Array.from({ length: B }, () => g.rng.range(0, T))) : g.input(g.rng.pick(['int64', 'int32']), [B]).name;
      return g.add('ReverseSequence', [x.name, lens], { time_axis: BigInt(timeAxis), batch_axis: BigInt(1 - timeAxis) }, [x]);
    },
  },
  // QuantizeLinear (per tensor or per axis, hostile scales now and then), then DequantizeLinear back.
  {
    when: (v) => isFloat(v) && known(v),
    build: (g, x) => {
      const type = g.rng.pick(['uint8', 'int8', 'int16', 'uint16']);
      const perAxis = x.shape.length >= 2 && g.rng.chance(0.4);
      const n = perAxis ? x.shape[1] : 1;
      const scales = Array.from({ length: n }, () => g.rng.pick([0.5, 0.01, 3, 0, -1, 1e-30, Infinity, NaN]));
      const zps = Array.from({ length: n }, () => g.rng.range(0, 5));
      const shape = perAxis ? [n] : [];
      const s = g.constant('float32', shape, scales), z = g.constant(type, shape, zps);
      const [q] = g.add('QuantizeLinear', [x.name, s, z], {}, [{ dtype: type, shape: x.shape }]);
      return g.add('DequantizeLinear', [q.name, s, z], {}, [{ dtype: 'float32', shape: x.shape }]);
    },
  },
  { when: (v) => isFloat(v) && known(v), build: (g, x) => g.add('DynamicQuantizeLinear', [x.name], {}, [{ dtype: 'uint8', shape: x.shape }, { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] }]) },
  // DFT along a signal axis of [..., n, 1]: forward, inverse, onesided, irfft, a dft_length sometimes.
  {
    when: (v) => isFloat(v) && known(v) && v.shape.length >= 2 && v.shape[v.shape.length - 1] === 1 && v.shape.every((d) => d > 0),
    build: (g, x) => {
      const r = x.shape.length;
      const axis = g.rng.int(r - 1);
      const inverse = g.rng.int(2), onesided = g.rng.int(2);
      const n = g.rng.chance(0.3) ? g.rng.range(1, 9) : inverse && onesided ? Math.max(1, 2 * (x.shape[axis] - 1)) : x.shape[axis];
      const bins = inverse && onesided ? n : onesided ? Math.floor(n / 2) + 1 : n;
      const shape = x.shape.map((d, i) => (i === axis ? bins : i === r - 1 ? (inverse && onesided ? 1 : 2) : d));
      return g.add('DFT', [x.name, g.constant('int64', [], [n]), g.constant('int64', [], [axis])], { inverse: BigInt(inverse), onesided: BigInt(onesided) },
        [{ dtype: 'float32', shape }]);
    },
  },
  // The ops lowering writes from shapes (lib/ir/shaped-ops.ts).
  {
    when: (v) => known(v) && v.shape.length >= 1,
    build: (g, x) => {
      const repeats = x.shape.map(() => g.rng.range(0, 3));
      return g.add('Tile', [x.name, g.ints(big(repeats))], {}, [{ dtype: x.dtype, shape: x.shape.map((d, i) => d * repeats[i]) }]);
    },
  },
  {
    when: (v) => known(v) && v.shape.length >= 1,
    build: (g, x) => {
      const target = x.shape.map((d) => Math.max(0, d + g.rng.range(-2, 2)));
      return g.add('CenterCropPad', [x.name, g.ints(big(target))], {}, [{ dtype: x.dtype, shape: target }]);
    },
  },
  {
    when: (v) => known(v) && v.shape.length === 4,
    build: (g, x) => {
      const [n, c, h, w] = x.shape;
      if (g.rng.chance(0.5) && c % 4 === 0) {
        return g.add('DepthToSpace', [x.name], { blocksize: 2n, mode: g.rng.pick(['DCR', 'CRD']) }, [{ dtype: x.dtype, shape: [n, c / 4, h * 2, w * 2] }]);
      }
      const bs = h % 2 === 0 && w % 2 === 0 ? 2 : 1;
      return g.add('SpaceToDepth', [x.name], { blocksize: BigInt(bs) }, [{ dtype: x.dtype, shape: [n, c * bs * bs, h / bs, w / bs] }]);
    },
  },
  {
    when: (v) => isFloat(v) && known(v) && v.shape.length >= 3,
    build: (g, x) => {
      const c = x.shape[1];
      if (g.rng.chance(0.3)) return g.add('GlobalMaxPool', [x.name], {}, [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i < 2 ? d : 1)) }]);
      if (g.rng.chance(0.5)) return g.add('InstanceNormalization', [x.name, g.random('float32', [c]), g.random('float32', [c])], { epsilon: g.rng.pick([1e-5, 0]) }, [x]);
      const groups = g.rng.pick([1, c].filter((k) => k > 0));
      return g.add('GroupNormalization', [x.name, g.random('float32', [c]), g.random('float32', [c])], { num_groups: BigInt(groups) }, [x]);
    },
  },
  {
    when: (v) => isFloat(v) && known(v) && v.shape.length >= 1,
    build: (g, x) => g.add('Hardmax', [x.name], { axis: BigInt(axisOf(g.rng, x.shape.length)) }, [x]),
  },
  {
    when: (v) => isNumeric(v) && known(v) && v.shape.length <= 6,
    build: (g, x) => {
      const depth = g.rng.range(1, 5);
      const axis = axisOf(g.rng, x.shape.length + 1);
      const at = axis < 0 ? axis + x.shape.length + 1 : axis;
      const shape = [...x.shape.slice(0, at), depth, ...x.shape.slice(at)];
      return g.add('OneHot', [x.name, g.constant('int64', [], [depth]), g.random('float32', [2])], { axis: BigInt(axis) }, [{ dtype: 'float32', shape }]);
    },
  },
  {
    when: (v) => known(v) && v.shape.length === 2,
    build: (g, x) => g.add('EyeLike', [x.name], { k: BigInt(g.rng.range(-3, 3)) }, [x]),
  },
  // Trilu over the last two axes, k sometimes given (any int64, also far off the matrix).
  {
    when: (v) => known(v) && v.shape.length >= 2,
    build: (g, x) => {
      const far = [-(2n ** 63n), 2n ** 63n - 1n, 2n ** 40n, -(2n ** 40n)];
      const k = g.rng.chance(0.3) ? '' : g.constant('int64', [], [g.rng.chance(0.1) ? g.rng.pick(far) : BigInt(g.rng.range(-6, 6))]);
      return g.add('Trilu', k === '' ? [x.name] : [x.name, k], { upper: BigInt(g.rng.int(2)) }, [x]);
    },
  },
  // GatherElements with in-range (also negative) indices no larger than the data off the axis.
  {
    when: (v) => known(v) && v.shape.length >= 1 && v.shape.every((d) => d > 0),
    build: (g, x) => {
      const axis = g.rng.int(x.shape.length);
      const shape = x.shape.map((d, i) => (i === axis ? g.rng.range(1, 4) : g.rng.range(1, d)));
      const dim = x.shape[axis];
      const n = shape.reduce((a, b) => a * b, 1);
      const idx = g.constant('int64', shape, Array.from({ length: n }, () => BigInt(g.rng.range(-dim, dim - 1))));
      return g.add('GatherElements', [x.name, idx], { axis: BigInt(axis - (g.rng.chance(0.5) ? x.shape.length : 0)) }, [{ dtype: x.dtype, shape }]);
    },
  },
  // ScatterElements: in-range (also negative, repeated) indices no larger than the data off the axis;
  // a reduction on float32/float64/int32/int64, else none (any dtype).
  {
    when: (v) => known(v) && v.shape.length >= 1 && v.shape.every((d) => d > 0),
    build: (g, x) => {
      const axis = g.rng.int(x.shape.length);
      const shape = x.shape.map((d, i) => (i === axis ? g.rng.range(1, 4) : g.rng.range(1, d)));
      const dim = x.shape[axis];
      const n = shape.reduce((a, b) => a * b, 1);
      const idx = g.constant('int64', shape, Array.from({ length: n }, () => BigInt(g.rng.range(-dim, dim - 1))));
      const reducible = ['float32', 'float64', 'int32', 'int64'].includes(x.dtype);
      const reduction = reducible ? g.rng.pick(['none', 'add', 'mul', 'max', 'min']) : 'none';
      return g.add('ScatterElements', [x.name, idx, g.random(x.dtype, shape)],
        { axis: BigInt(axis - (g.rng.chance(0.5) ? x.shape.length : 0)), reduction }, [x]);
    },
  },
  // ScatterND: 1 to 3 index tuples over the first k axes (repeats and negatives), slices of the rest.
  {
    when: (v) => known(v) && v.shape.length >= 1 && v.shape.every((d) => d > 0),
    build: (g, x) => {
      const k = g.rng.range(1, x.shape.length);
      const q = g.rng.range(1, 3);
      const vals = [];
      for (let j = 0; j < q; j++) for (let d = 0; d < k; d++) vals.push(BigInt(g.rng.range(-x.shape[d], x.shape[d] - 1)));
      const idx = g.constant('int64', [q, k], vals);
      const reducible = ['float32', 'float64', 'int32', 'int64'].includes(x.dtype);
      const reduction = reducible ? g.rng.pick(['none', 'add', 'mul', 'max', 'min']) : 'none';
      return g.add('ScatterND', [x.name, idx, g.random(x.dtype, [q, ...x.shape.slice(k)])], { reduction }, [x]);
    },
  },
  // TensorScatter along an axis past the batch, linear (in-range write indices) or circular (any).
  {
    when: (v) => known(v) && v.shape.length >= 2 && v.shape.every((d) => d > 0),
    build: (g, x) => {
      const axis = g.rng.range(1, x.shape.length - 1);
      const max = x.shape[axis];
      const seq = g.rng.range(1, max);
      const mode = g.rng.pick(['linear', 'circular']);
      const shape = x.shape.map((d, i) => (i === axis ? seq : d));
      const w = Array.from({ length: x.shape[0] }, () => BigInt(mode === 'linear' ? g.rng.range(0, max - seq) : g.rng.range(-5, 9)));
      const ins = [x.name, g.random(x.dtype, shape)];
      if (g.rng.chance(0.7)) ins.push(g.constant('int64', [x.shape[0]], w));
      return g.add('TensorScatter', ins, { axis: BigInt(axis - (g.rng.chance(0.5) ? x.shape.length : 0)), mode }, [x]);
    },
  },
  // TopK: k from 0 to the axis' length, largest or smallest.
  {
    when: (v) => known(v) && v.shape.length >= 1 && ['float32', 'float64', 'int32', 'int64'].includes(v.dtype),
    build: (g, x) => {
      const axis = g.rng.int(x.shape.length);
      const k = g.rng.range(0, x.shape[axis]);
      const shape = x.shape.map((d, i) => (i === axis ? k : d));
      return g.add('TopK', [x.name, g.ints([BigInt(k)])], { axis: BigInt(axis), largest: BigInt(g.rng.int(2)), sorted: BigInt(g.rng.int(2)) },
        [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }]);
    },
  },
  // The variadic ops: the value and one to three more broadcastable ones.
  {
    when: (v) => isNumeric(v) && known(v),
    build: (g, x) => {
      const op = x.dtype === 'float32' ? g.rng.pick(['Min', 'Max', 'Sum', 'Mean']) : g.rng.pick(['Min', 'Max']);
      const more = Array.from({ length: g.rng.range(0, 3) }, () => g.random(x.dtype, broadcastable(g.rng, x.shape)));
      return g.add(op, [x.name, ...more], {}, [x]);
    },
  },
  // The logical ops on a bool value (a comparison's output, or a random bool).
  {
    when: (v) => v.dtype === 'bool' && known(v),
    build: (g, x) => (g.rng.chance(0.25)
      ? g.add('Not', [x.name], {}, [x])
      : g.add(g.rng.pick(['And', 'Or', 'Xor']), [x.name, g.random('bool', broadcastable(g.rng, x.shape))], {}, [x])),
  },
  {
    when: (v) => isFloat(v) && rankAtLeast(1)(v),
    build: (g, x) => {
      const k = x.shape[x.shape.length - 1], n = g.rng.range(1, 6);
      const out = x.shape.length === 1 ? [n] : [...x.shape.slice(0, -1), n];
      return g.add('MatMul', [x.name, g.random('float32', [k, n])], {}, [{ dtype: 'float32', shape: out }]);
    },
  },
  {
    when: (v) => isFloat(v) && known(v) && v.shape.length === 2,
    build: (g, x) => {
      const transA = g.rng.int(2), transB = g.rng.int(2), n = g.rng.range(1, 6);
      const [m, k] = transA ? [x.shape[1], x.shape[0]] : x.shape;
      const inputs = [x.name, g.random('float32', transB ? [n, k] : [k, n])];
      if (g.rng.chance(0.6)) inputs.push(g.random('float32', g.rng.pick([[n], [1, n], [m, n], []])));
      const attrs = { transA: BigInt(transA), transB: BigInt(transB), alpha: g.rng.unit() * 2, beta: g.rng.unit() * 2 };
      return g.add('Gemm', inputs, attrs, [{ dtype: 'float32', shape: [m, n] }]);
    },
  },
  // The engine's Conv and pools are 2-D: [N, C, H, W].
  // 2-D, and 1-D (lowering writes it on the 2-D op).
  { when: (v) => isFloat(v) && known(v) && v.shape.length >= 3 && v.shape.length <= 5, build: conv },
  { when: (v) => isFloat(v) && known(v) && v.shape.length >= 3 && v.shape.length <= 5, build: pool },
  { when: (v) => isFloat(v) && known(v) && v.shape.length >= 3 && v.shape.length <= 5, build: convTranspose },
  {
    when: (v) => isFloat(v) && rankAtLeast(3)(v),
    build: (g, x) => g.add('GlobalAveragePool', [x.name], {}, [{ dtype: 'float32', shape: [...x.shape.slice(0, 2), ...x.shape.slice(2).map(() => 1)] }]),
  },
  {
    when: (v) => isFloat(v) && rankAtLeast(2)(v),
    build: (g, x) => {
      const c = [x.shape[1]];
      const variance = g.constant('float32', c, Array.from({ length: c[0] }, () => Math.abs(g.rng.unit()) + 0.1));
      const ins = [x.name, g.random('float32', c), g.random('float32', c), g.random('float32', c), variance];
      return g.add('BatchNormalization', ins, { epsilon: 1e-5 }, [x]);
    },
  },
  {
    when: (v) => isFloat(v) && rankAtLeast(1)(v),
    build: (g, x) => {
      const axis = axisOf(g.rng, x.shape.length);
      const tail = x.shape.slice(norm(axis, x.shape.length));
      const ins = [x.name, g.random('float32', tail), ...(g.rng.chance(0.5) ? [g.random('float32', tail)] : [])];
      return g.add('LayerNormalization', ins, { axis: BigInt(axis), epsilon: 1e-5 }, [x]);
    },
  },
  {
    when: isFloat,
    build: (g, x) => {
      const axis = known(x) && x.shape.length ? axisOf(g.rng, x.shape.length) : -1;
      return g.add(g.rng.pick(['Softmax', 'LogSoftmax']), [x.name], { axis: BigInt(axis) }, [x]);
    },
  },
  { when: (v) => isNumeric(v) && known(v), build: reduce },
  {
    when: () => true,
    build: (g, x) => {
      const to = g.rng.pick(Object.keys(CAST_TO).map(Number));
      return g.add('Cast', [x.name], { to: BigInt(to) }, [{ dtype: CAST_TO[to], shape: x.shape }]);
    },
  },
  {
    // BitCast to a type of the same width (now and then another width: an E_ATTR refusal).
    when: () => true,
    build: (g, x) => {
      const width = (d) => ({ bool: 8, int8: 8, uint8: 8, int16: 16, uint16: 16, float16: 16, bfloat16: 16, float32: 32, int32: 32, uint32: 32,
        float64: 64, int64: 64, uint64: 64, uint4: 4, int4: 4, float4e2m1: 4, uint2: 2, int2: 2 })[d] ?? 8;
      const same = Object.keys(CAST_TO).map(Number).filter((t) => width(CAST_TO[t]) === width(x.dtype));
      const to = same.length && !g.rng.chance(0.05) ? g.rng.pick(same) : g.rng.pick(Object.keys(CAST_TO).map(Number));
      return g.add('BitCast', [x.name], { to: BigInt(to) }, [{ dtype: CAST_TO[to], shape: x.shape }]);
    },
  },
  {
    when: known,
    build: (g, x) => {
      const perm = x.shape.map((_, i) => i);
      for (let i = perm.length - 1; i > 0; i--) {
        const j = g.rng.int(i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      const attrs = g.rng.chance(0.2) ? {} : { perm: big(perm) };
      const p = attrs.perm ? perm : x.shape.map((_, i) => x.shape.length - 1 - i);
      return g.add('Transpose', [x.name], attrs, [{ dtype: x.dtype, shape: p.map((i) => x.shape[i]) }]);
    },
  },
  { when: known, build: reshape },
  {
    when: rankAtLeast(1),
    build: (g, x) => {
      const axis = axisOf(g.rng, x.shape.length), a = norm(axis, x.shape.length);
      const parts = [x.name], out = [...x.shape];
      for (let k = g.rng.range(1, 2); k > 0; k--) {
        const shape = [...x.shape];
        shape[a] = g.rng.range(0, 3);
        out[a] += shape[a];
        parts.push(g.random(x.dtype, shape));
      }
      return g.add('Concat', g.rng.chance(0.5) ? parts : parts.reverse(), { axis: BigInt(axis) }, [{ dtype: x.dtype, shape: out }]);
    },
  },
  { when: rankAtLeast(1), build: split },
  { when: rankAtLeast(1), build: slice },
  // Written by lowering from the shapes (lib/ir/tensor-bodies.ts).
  { when: (v) => isFloat(v) && known(v) && v.shape.length <= 4, build: einsum },
  { when: rankAtLeast(1), build: gatherNd },
  // GridSample (lib/ir/sample-bodies.ts) on X [N, C, 1 to 3 spatial axes], the grid made by AffineGrid now and then.
  { when: (v) => isFloat(v) && known(v) && v.shape.length >= 3 && v.shape.length <= 5, build: gridSample },
  {
    when: (v) => isFloat(v) && rankAtLeast(3)(v),
    build: (g, x) => {
      const attrs = { size: BigInt(g.rng.range(1, 6)) };
      if (g.rng.chance(0.5)) Object.assign(attrs, { alpha: Math.abs(g.rng.unit()), beta: Math.abs(g.rng.unit()) + 0.1, bias: Math.abs(g.rng.unit()) * 2 + 0.5 });
      return g.add('LRN', [x.name], attrs, [x]);
    },
  },
  {
    when: rankAtLeast(1),
    build: (g, x) => {
      const axis = axisOf(g.rng, x.shape.length), a = norm(axis, x.shape.length), d = x.shape[a];
      const ishape = randomShape(g.rng, g.rng.int(3)).map((n) => Math.min(n, 4));
      const values = Array.from({ length: numel(ishape) }, () => (d ? g.rng.range(-d, d - 1) : 0));
      const indices = g.constant(g.rng.chance(0.3) ? 'int32' : 'int64', ishape, values);
      const out = [...x.shape.slice(0, a), ...ishape, ...x.shape.slice(a + 1)];
      return g.add('Gather', [x.name, indices], { axis: BigInt(axis) }, [{ dtype: x.dtype, shape: out }]);
    },
  },
  {
    when: known,
    build: (g, x) => {
      const lead = Array.from({ length: g.rng.int(2) }, () => g.rng.range(1, 3));
      const want = [...lead, ...x.shape.map((d) => (d === 1 && g.rng.chance(0.5) ? g.rng.range(2, 3) : g.rng.chance(0.2) ? 1 : d))];
      const out = [...lead, ...x.shape.map((d, i) => (d === 1 ? want[lead.length + i] : d))];
      return g.add('Expand', [x.name, g.ints(want)], {}, [{ dtype: x.dtype, shape: out }]);
    },
  },
  { when: rankAtLeast(1), build: shapeArithmetic },
  {
    when: known,
    build: (g, x) => {
      const r = x.shape.length, axis = g.rng.range(-r, r), a = norm(axis, r + 1);
      const u = g.add('Unsqueeze', [x.name, g.ints([axis])], {}, [{ dtype: x.dtype, shape: [...x.shape.slice(0, a), 1, ...x.shape.slice(a)] }])[0];
      return g.rng.chance(0.5) ? [u] : g.add('Squeeze', [u.name, g.ints([a])], {}, [x]);
    },
  },
  {
    when: rankAtLeast(1),
    build: (g, x) => {
      const axis = g.rng.range(0, x.shape.length);
      const shape = [numel(x.shape.slice(0, axis)), numel(x.shape.slice(axis))];
      return g.add('Flatten', [x.name], { axis: BigInt(axis) }, [{ dtype: x.dtype, shape }]);
    },
  },
  { when: () => true, build: (g, x) => g.add(g.rng.pick(['Identity', 'Dropout']), [x.name], {}, [x]) },
];

const RECURRENT_ACTIVATIONS = ['Relu', 'Tanh', 'Sigmoid', 'Affine', 'LeakyRelu', 'ThresholdedRelu', 'ScaledTanh', 'HardSigmoid', 'Elu', 'Softsign', 'Softplus'];

/**
 * RNN/GRU/LSTM with X = x (layout 0 [S, B, I] or 1 [B, S, I]): each optional input now and then
 * (sequence_lens a constant in [0, S] or a run-time input of any values), a clip, activations
 * with alpha/beta; outputs Y, Y_h (and Y_c).
 */
function recurrent(g, x, op) {
  const { rng } = g;
  const gates = { RNN: 1, GRU: 3, LSTM: 4 }[op];
  const layout = rng.int(2);
  const [S, B, I] = layout ? [x.shape[1], x.shape[0], x.shape[2]] : x.shape;
  const direction = rng.pick(['forward', 'reverse', 'bidirectional']);
  const D = direction === 'bidirectional' ? 2 : 1;
  const H = rng.range(1, 4);
  const state = layout ? [B, D, H] : [D, B, H];
  const maybe = (make) => (rng.chance(0.5) ? make() : '');
  const inputs = [x.name, g.random('float32', [D, gates * H, I]), g.random('float32', [D, gates * H, H]),
    maybe(() => g.random('float32', [D, 2 * gates * H])),
    maybe(() => (rng.chance(0.5) ? g.constant('int32', [B], Array.from({ length: B }, () => rng.range(0, S))) : g.input('int32', [B]).name)),
    maybe(() => g.random('float32', state))];
  if (op === 'LSTM') inputs.push(maybe(() => g.random('float32', state)), maybe(() => g.random('float32', [D, 3 * H])));
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const attrs = { hidden_size: BigInt(H), direction, layout: BigInt(layout) };
  if (rng.chance(0.3)) attrs.clip = rng.pick([0.5, 3, 1e-3]);
  if (rng.chance(0.4)) {
    attrs.activations = Array.from({ length: { RNN: 1, GRU: 2, LSTM: 3 }[op] * D }, () => rng.pick(RECURRENT_ACTIVATIONS));
    if (rng.chance(0.5)) attrs.activation_alpha = [rng.unit(), rng.unit()];
    if (rng.chance(0.5)) attrs.activation_beta = [rng.unit()];
  }
  if (op === 'GRU') attrs.linear_before_reset = BigInt(rng.int(2));
  if (op === 'LSTM') attrs.input_forget = BigInt(rng.int(2));
  const outs = [{ dtype: 'float32', shape: layout ? [B, S, D, H] : [S, D, B, H] }, { dtype: 'float32', shape: state }];
  if (op === 'LSTM') outs.push({ dtype: 'float32', shape: state });
  return g.add(op, inputs, attrs, outs);
}

function conv(g, x) {
  const { rng } = g;
  const [n, c, ...spatial] = x.shape;
  const group = c > 0 && c % 2 === 0 && rng.chance(0.3) ? 2 : 1;
  const m = group * rng.range(1, 3);
  const kernel = spatial.map((d) => rng.range(1, Math.max(1, Math.min(3, d))));
  const strides = spatial.map(() => rng.range(1, 2));
  const dil = spatial.map(() => (rng.chance(0.2) ? 2 : 1));
  const pads = [...spatial, ...spatial].map(() => rng.int(2));
  const autoPad = rng.pick(['NOTSET', 'NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER']);
  const attrs = { kernel_shape: big(kernel), strides: big(strides), dilations: big(dil), group: BigInt(group), auto_pad: autoPad };
  if (autoPad === 'NOTSET') attrs.pads = big(pads);
  const out = spatial.map((d, i) => {
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(d / strides[i]);
    return autoPad === 'VALID' ? poolOut(d, kernel[i], strides[i], 0, 0, dil[i]) : poolOut(d, kernel[i], strides[i], pads[i], pads[i + spatial.length], dil[i]);
  });
  const ins = [x.name, g.random('float32', [m, c / group, ...kernel]), ...(rng.chance(0.5) ? [g.random('float32', [m])] : [])];
  const shape = out.every((d) => d > 0) ? [n, m, ...out] : null;
  return g.add('Conv', ins, attrs, [{ dtype: 'float32', shape }]);
}

function pool(g, x) {
  const { rng } = g;
  const op = rng.pick(['MaxPool', 'AveragePool', 'LpPool']);
  const spatial = x.shape.slice(2);
  const kernel = spatial.map((d) => rng.range(1, Math.max(1, Math.min(3, d))));
  const strides = spatial.map(() => rng.range(1, 2));
  const pads = [...kernel, ...kernel].map((k) => rng.int(k));
  const attrs = { kernel_shape: big(kernel), strides: big(strides), pads: big(pads) };
  if (op === 'AveragePool') attrs.count_include_pad = BigInt(rng.int(2));
  if (op === 'LpPool') attrs.p = BigInt(rng.range(1, 3));
  const ceil = op !== 'LpPool' && rng.chance(0.2);
  if (ceil) attrs.ceil_mode = 1n;
  const out = spatial.map((d, i) => poolOut(d, kernel[i], strides[i], pads[i], pads[i + spatial.length], 1));
  // ceil_mode's last-window rule is the engine's to apply: the shape is left unknown.
  const shape = !ceil && out.every((d) => d > 0) ? [...x.shape.slice(0, 2), ...out] : null;
  // MaxPool's Indices (output 1), numbered row- or column-major.
  if (op === 'MaxPool' && rng.chance(0.3)) {
    attrs.storage_order = BigInt(rng.int(2));
    return g.add(op, [x.name], attrs, [{ dtype: 'float32', shape }, { dtype: 'int64', shape }]);
  }
  return g.add(op, [x.name], attrs, [{ dtype: 'float32', shape }]);
}

// ConvTranspose: strides, pads, dilations, output_padding below the stride, groups, sometimes output_shape.
function convTranspose(g, x) {
  const { rng } = g;
  const [, c, ...spatial] = x.shape;
  const group = c > 0 && c % 2 === 0 && rng.chance(0.3) ? 2 : 1;
  const mg = rng.range(1, 2);
  const kernel = spatial.map(() => rng.range(1, 3));
  const strides = spatial.map(() => rng.range(1, 3));
  const dil = spatial.map(() => (rng.chance(0.2) ? 2 : 1));
  const outPad = strides.map((s) => rng.int(s));
  const pads = [...spatial, ...spatial].map(() => rng.int(2));
  const attrs = { strides: big(strides), dilations: big(dil), group: BigInt(group), output_padding: big(outPad), pads: big(pads) };
  let out = spatial.map((d, i) => strides[i] * (d - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1 - pads[i] - pads[i + spatial.length]);
  if (rng.chance(0.2)) {
    delete attrs.pads;
    out = out.map((d) => d + rng.range(-1, 1));
    attrs.output_shape = big(out);
  }
  const ins = [x.name, g.random('float32', [c, mg, ...kernel]), ...(rng.chance(0.5) ? [g.random('float32', [mg * group])] : [])];
  return g.add('ConvTranspose', ins, attrs, [{ dtype: 'float32', shape: out.every((d) => d > 0) ? [x.shape[0], mg * group, ...out] : null }]);
}

function reduce(g, x) {
  const { rng } = g;
  const r = x.shape.length;
  const axes = [...new Set(Array.from({ length: rng.int(r + 1) }, () => rng.int(r)))];
  const keep = rng.int(2), noop = axes.length === 0 && rng.chance(0.3) ? 1 : 0;
  const all = axes.length === 0 && !noop;
  const reduced = (i) => all || axes.includes(i);
  const shape = noop ? x.shape : x.shape.flatMap((d, i) => (reduced(i) ? (keep ? [1] : []) : [d]));
  const ins = axes.length || rng.chance(0.5) ? [x.name, g.ints(axes.map((a) => (rng.chance(0.3) ? a - r : a)))] : [x.name];
  return g.add(rng.pick(isFloat(x) ? [...REDUCE, ...REDUCE_COMPOSED] : [...REDUCE.filter((op) => op !== 'ReduceMean'), 'ReduceProd']), ins, { keepdims: BigInt(keep), noop_with_empty_axes: BigInt(noop) }, [{ dtype: x.dtype, shape }]);
}

function reshape(g, x) {
  const { rng } = g;
  const n = numel(x.shape);
  let target;
  if (rng.chance(0.3)) target = [-1];
  else if (rng.chance(0.5) && x.shape.length >= 2) target = [0, -1]; // 0 copies the input dim
  else if (n > 0 && n % 2 === 0) target = [2, n / 2];
  else target = [n];
  const shape = target.map((d, i) => (d === 0 ? x.shape[i] : d));
  const inferred = shape.indexOf(-1);
  if (inferred >= 0) {
    const rest = numel(shape.filter((d) => d !== -1));
    shape[inferred] = rest === 0 ? null : n / rest;
  }
  return g.add('Reshape', [x.name, g.ints(target)], {}, [{ dtype: x.dtype, shape: shape.includes(null) ? null : shape }]);
}

function split(g, x) {
  const { rng } = g;
  const axis = axisOf(rng, x.shape.length), a = norm(axis, x.shape.length), d = x.shape[a];
  let sizes;
  const ins = [x.name];
  const attrs = { axis: BigInt(axis) };
  if (rng.chance(0.5) && d > 0) {
    const k = rng.range(1, Math.min(d, 3));
    attrs.num_outputs = BigInt(k);
    const chunk = Math.ceil(d / k);
    sizes = Array.from({ length: k }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)));
    if (sizes.includes(0)) sizes = null; // the engine decides what an uneven split gives
  } else {
    const first = rng.range(0, d);
    sizes = [first, d - first];
    ins.push(g.ints(sizes));
  }
  const outs = (sizes ?? [0]).map((s) => ({ dtype: x.dtype, shape: sizes ? x.shape.map((dd, i) => (i === a ? s : dd)) : null }));
  return g.add('Split', ins, attrs, outs);
}

/** ONNX Slice's clamping, for one axis. */
function sliceLength(d, start, end, step) {
  let s = start < 0 ? start + d : start, e = end < 0 ? end + d : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), d);
    e = Math.min(Math.max(e, 0), d);
    return Math.max(0, Math.ceil((e - s) / step));
  }
  s = Math.min(Math.max(s, 0), d - 1);
  e = Math.min(Math.max(e, -1), d - 1);
  return Math.max(0, Math.ceil((s - e) / -step));
}

function slice(g, x) {
  const { rng } = g;
  const r = x.shape.length;
  const axes = [...new Set(Array.from({ length: rng.range(1, r) }, () => rng.int(r)))];
  const edge = (d) => (rng.chance(0.15) ? rng.pick([-(2 ** 62), 2 ** 62]) : rng.range(-d - 1, d + 1));
  const starts = axes.map((a) => edge(x.shape[a])), ends = axes.map((a) => edge(x.shape[a]));
  const steps = axes.map(() => rng.pick([1, 1, 1, 2, -1, -2]));
  const out = [...x.shape];
  axes.forEach((a, i) => (out[a] = sliceLength(x.shape[a], starts[i], ends[i], steps[i])));
  const ins = [x.name, g.ints(starts), g.ints(ends), g.ints(axes.map((a) => (rng.chance(0.3) ? a - r : a))), g.ints(steps)];
  return g.add('Slice', ins, {}, [{ dtype: x.dtype, shape: out }]);
}

/** What exporters emit around a Reshape: Shape -> Gather -> Unsqueeze -> Concat -> Reshape (folded by the loader). */
/**
 * Einsum of x (one letter per axis, now and then a repeated one where sizes agree: a diagonal;
 * now and then leading axes as "...") and, often, a random second operand sharing some letters
 * (some of size 1: broadcast); the output explicit (a shuffled subset) or implicit.
 */
function einsum(g, x) {
  const { rng } = g;
  const size = {}, count = {};
  let next = 0;
  const fresh = (d) => {
    const l = 'abcdefghijkLMNOP'[next++];
    size[l] = d;
    return l;
  };
  const ell = rng.chance(0.25) ? rng.int(Math.min(x.shape.length, 2) + 1) : -1;
  const ellShape = x.shape.slice(0, Math.max(ell, 0));
  const xs = x.shape.slice(Math.max(ell, 0)).reduce((ls, d) => {
    const same = Object.keys(size).filter((l) => size[l] === d && ls.includes(l));
    ls.push(same.length && rng.chance(0.25) ? rng.pick(same) : fresh(d));
    return ls;
  }, []);
  const terms = [(ell >= 0 ? '...' : '') + xs.join('')];
  const inputs = [x.name];
  if (rng.chance(0.6)) {
    const ys = Array.from({ length: rng.int(4) }, () => (rng.chance(0.5) && xs.length ? rng.pick(xs) : fresh(rng.range(1, 4))));
    const unique = [...new Set(ys)];
    const yEll = ell >= 0 && rng.chance(0.7) ? ellShape.slice(rng.int(ellShape.length + 1)).map((d) => (rng.chance(0.2) ? 1 : d)) : null;
    const shape = [...(yEll ?? []), ...unique.map((l) => (xs.includes(l) && rng.chance(0.1) ? 1 : size[l]))];
    terms.push((yEll ? '...' : '') + unique.join(''));
    inputs.push(g.random('float32', shape));
  }
  for (const l of terms.join('')) if (l !== '.') count[l] = (count[l] ?? 0) + 1;
  const letters = Object.keys(count);
  let out;
  if (rng.chance(0.6)) {
    out = letters.filter(() => rng.chance(0.6));
    for (let i = out.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    if (ell >= 0) out.splice(rng.int(out.length + 1), 0, '...');
  }
  // Implicit: the ellipsis, then the letters that appear once, in ASCII order.
  const outShape = out ? out.flatMap((l) => (l === '...' ? ellShape : [size[l]]))
    : [...ellShape, ...letters.filter((l) => count[l] === 1).sort().map((l) => size[l])];
  const equation = `${terms.join(rng.chance(0.2) ? ' , ' : ',')}${out ? `->${out.join('')}` : ''}`;
  return g.add('Einsum', inputs, { equation }, [{ dtype: 'float32', shape: outShape }]);
}

/** GatherND with constant int64 indices (in range, now and then not), batch_dims now and then. */
function gatherNd(g, x) {
  const { rng } = g;
  const r = x.shape.length;
  const bd = r > 1 && rng.chance(0.3) ? 1 : 0;
  const m = rng.range(1, r - bd);
  const tuples = Array.from({ length: rng.int(3) }, () => rng.range(0, 3));
  const ishape = [...x.shape.slice(0, bd), ...tuples, m];
  const dims = x.shape.slice(bd, bd + m);
  const values = Array.from({ length: numel(ishape) }, (_, i) => {
    const d = dims[i % m];
    return rng.chance(0.03) ? rng.pick([d, -d - 1, 2 ** 40]) : d ? rng.range(-d, d - 1) : 0;
  });
  const out = [...x.shape.slice(0, bd), ...tuples, ...x.shape.slice(bd + m)];
  return g.add('GatherND', [x.name, g.constant('int64', ishape, values)], bd ? { batch_dims: BigInt(bd) } : {}, [{ dtype: x.dtype, shape: out }]);
}

/**
 * GridSample, every mode x padding mode x align_corners: the grid a constant (inside, on and past
 * [-1, 1], now and then NaN, infinite or huge), a run-time input, or AffineGrid's (2 or 3 spatial
 * axes: a constant theta and size).
 */
function gridSample(g, x) {
  const { rng } = g;
  const S = x.shape.length - 2, [N, C] = x.shape;
  const out = Array.from({ length: S }, () => (rng.chance(0.05) ? 0 : rng.range(1, 4)));
  const gshape = [N, ...out, S];
  let grid;
  if (S >= 2 && rng.chance(0.3)) {
    const theta = g.constant('float32', [N, S, S + 1], Array.from({ length: N * S * (S + 1) }, () => rng.unit() * 1.5));
    const size = g.ints(rng.chance(0.05) ? [N + 1, C, ...out] : [N, C, ...out]);
    grid = g.add('AffineGrid', [theta, size], { align_corners: BigInt(rng.int(2)) }, [{ dtype: 'float32', shape: gshape }])[0].name;
  } else if (rng.chance(0.3)) {
    grid = g.input('float32', gshape).name;
  } else {
    grid = g.constant('float32', gshape, Array.from({ length: numel(gshape) }, () => (rng.chance(0.04) ? rng.pick([NaN, Infinity, -Infinity, 1e30, -0])
      : rng.chance(0.25) ? rng.pick([-1, 1, 0, -0.5, 0.5, -1.5, 1.5, 9.75]) : rng.unit() * 3)));
  }
  const attrs = { mode: rng.pick(['linear', 'nearest', 'cubic']), padding_mode: rng.pick(['zeros', 'border', 'reflection']), align_corners: BigInt(rng.int(2)) };
  return g.add('GridSample', [x.name, grid], attrs, [{ dtype: 'float32', shape: [N, C, ...out] }]);
}

function shapeArithmetic(g, x) {
  const { rng } = g;
  const r = x.shape.length, keep = rng.int(r);
  const s = g.add('Shape', [x.name], {}, [{ dtype: 'int64', shape: [r] }])[0];
  const d = g.add('Gather', [s.name, g.constant('int64', [], [keep])], { axis: 0n }, [{ dtype: 'int64', shape: [] }])[0];
  const u = g.add('Unsqueeze', [d.name, g.ints([0])], {}, [{ dtype: 'int64', shape: [1] }])[0];
  const c = g.add('Concat', [u.name, g.ints([-1])], { axis: 0n }, [{ dtype: 'int64', shape: [2] }])[0];
  const rest = numel(x.shape) / (x.shape[keep] || 1);
  const shape = x.shape[keep] === 0 ? null : [x.shape[keep], rest];
  return g.add('Reshape', [x.name, c.name], {}, [{ dtype: x.dtype, shape }]);
}

/** Makes the last node hostile: one attribute or constant input turned extreme, or an input dropped or added. */
function spoil(g) {
  const { rng } = g;
  const node = g.nodes[g.nodes.length - 1];
  const attrNames = Object.keys(node.attrs);
  const intConsts = node.inputs.map((name) => g.inits.find((t) => t.name === name && t.dtype === 'int64')).filter(Boolean);
  const how = rng.int(4);
  if (how === 0 && attrNames.length) {
    node.attrs[rng.pick(attrNames)] = rng.pick([rng.pick(HOSTILE_INTS), [], [rng.pick(HOSTILE_INTS)], 1.5, 'BOGUS', Array(9).fill(1n)]);
  } else if (how === 1 && intConsts.length) {
    const t = rng.pick(intConsts);
    if (t.data.length) t.data[rng.int(t.data.length)] = rng.pick(HOSTILE_INTS);
    else t.shape = [1], t.data = BigInt64Array.of(rng.pick(HOSTILE_INTS));
  } else if (how === 2 && node.inputs.length > 1) {
    node.inputs.splice(rng.range(1, node.inputs.length - 1), 1);
  } else {
    node.inputs.push(rng.pick(g.values).name);
  }
  for (const name of node.outputs) g.values.find((v) => v.name === name).shape = null;
}

export function graphCase(rng) {
  const g = new Graph(rng);
  const dtype = rng.chance(0.85) ? 'float32' : rng.pick(['int64', 'int32', 'bool']);
  g.input(dtype, randomShape(rng, rng.range(1, 4)));
  if (rng.chance(0.3)) g.input('float32', randomShape(rng, rng.range(1, 4)));
  const steps = rng.range(1, 8);
  let last = g.values[0];
  for (let step = 0; step < steps; step++) {
    const x = rng.chance(0.7) ? last : rng.pick(g.values);
    const usable = BUILDERS.filter((b) => b.when(x));
    if (!usable.length) break;
    const outs = rng.pick(usable).build(g, x);
    if (rng.chance(0.08)) spoil(g);
    last = rng.pick(outs);
  }
  const outputs = [last.name];
  const other = rng.pick(g.values);
  if (rng.chance(0.3) && other !== last && !g.inputs.includes(other)) outputs.push(other.name);
  const inputs = g.inputs.map((v) => ({ dtype: v.dtype, shape: v.shape, data: randomData(rng, v.dtype, v.shape) }));
  // Opsets where every op the builders use has its newest (opset-18) form; Gelu needs 20, Swish and TensorScatter 24, Attention's windows 25, BitCast 26.
  const opset = g.nodes.some((n) => n.op === 'BitCast') ? 26
    : g.nodes.some((n) => ['Swish', 'Attention', 'RotaryEmbedding', 'TensorScatter'].includes(n.op)) ? 25 : rng.pick([20, 20, 21, 22, 25]);
  return { model: model({ opset, inputs: g.inputs, outputs, nodes: g.nodes, inits: g.inits }), inputs, shapes: g.inputs.map((v) => v.shape) };
}
