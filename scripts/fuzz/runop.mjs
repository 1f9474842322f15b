// Random runOp and inferOp calls, and one-node programs through a ProgramBuilder
// (what lowering uses), straight at the N-API boundary: any engine op
// (now and then a name that is none), an input count around its arity, inputs
// of random dtype and shape, data for the inputs infer reads (shapes, starts,
// axes ...), and attributes the op knows with plausible values, or hostile
// ones: extreme and non-integer numbers, bigints past int64, empty and
// over-limit lists, long strings, wrong types, malformed tensors. The arity and
// attribute names come from the engine itself (discoverOps), not from a copy.
import { HOSTILE_INTS, randomData } from './graphs.mjs';

/** Every attribute name an engine op takes, with a plausible value for it. */
const PLAUSIBLE = {
  axis: (r) => BigInt(r.range(-3, 3)),
  axes: (r) => Array.from({ length: r.int(3) }, () => BigInt(r.range(-3, 3))),
  keepdims: (r) => BigInt(r.int(2)),
  noop_with_empty_axes: (r) => BigInt(r.int(2)),
  transA: (r) => BigInt(r.int(2)),
  transB: (r) => BigInt(r.int(2)),
  alpha: (r) => r.unit() * 2,
  beta: (r) => r.unit() * 2,
  epsilon: (r) => r.pick([1e-5, 0, 1e-12]),
  momentum: (r) => r.unit(),
  training_mode: (r) => BigInt(r.int(2)),
  stash_type: () => 1n,
  approximate: (r) => r.pick(['none', 'tanh']),
  to: (r) => BigInt(r.pick([1, 6, 7, 9])),
  saturate: (r) => BigInt(r.int(2)),
  perm: (r) => [2n, 0n, 1n, 3n].slice(0, r.range(1, 4)),
  allowzero: (r) => BigInt(r.int(2)),
  num_outputs: (r) => BigInt(r.range(1, 4)),
  auto_pad: (r) => r.pick(['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID']),
  kernel_shape: (r) => Array.from({ length: r.range(1, 2) }, () => BigInt(r.range(1, 3))),
  strides: (r) => Array.from({ length: r.range(1, 2) }, () => BigInt(r.range(1, 2))),
  dilations: (r) => Array.from({ length: r.range(1, 2) }, () => BigInt(r.range(1, 2))),
  pads: (r) => Array.from({ length: r.pick([2, 4]) }, () => BigInt(r.int(2))),
  group: (r) => BigInt(r.range(1, 2)),
  ceil_mode: (r) => BigInt(r.int(2)),
  count_include_pad: (r) => BigInt(r.int(2)),
  storage_order: (r) => BigInt(r.int(2)),
  fmod: (r) => BigInt(r.int(2)),
  upper: (r) => BigInt(r.int(2)),
  select_last_index: (r) => BigInt(r.int(2)),
};

/** Values no attribute should take, each made fresh (a case owns its objects). */
const HOSTILE_VALUES = [
  (r) => r.pick(HOSTILE_INTS), (r) => Number(r.pick(HOSTILE_INTS)), () => 2n ** 64n, () => -(2n ** 63n) - 1n,
  () => 1.5, () => NaN, () => Infinity, () => -0, () => 2 ** 53, () => [], (r) => [r.pick(HOSTILE_INTS)],
  () => new Array(70000).fill(1), () => 'x'.repeat(70000), () => [1, 'a'], () => [[1]], () => [1.5, 2n],
  () => ({}), () => true, () => null, () => '', () => 'SAME_UPPER', () => [NaN], () => new Array(3),
];

const DUMMY = { dtype: 'int64', shape: [1], data: BigInt64Array.of(1n) };

/**
 * Per engine op: the input counts it accepts (0..6), the attribute names it
 * knows and its data inputs, asked of the engine (E_ARITY, "unknown attribute").
 */
export function discoverOps(native, info) {
  const table = {};
  for (const op of info.ops) {
    const arity = [];
    for (let n = 0; n <= 6; n++) {
      try {
        native.inferOp(op, Array(n).fill(DUMMY));
        arity.push(n);
      } catch (err) {
        if (err.code !== 'E_ARITY') arity.push(n);
      }
    }
    const attrs = Object.keys(PLAUSIBLE).filter((name) => {
      try {
        native.inferOp(op, Array(arity[0] ?? 1).fill(DUMMY), { [name]: PLAUSIBLE[name]({ range: () => 1, int: () => 1, unit: () => 0, pick: (l) => l[0] }) });
        return true;
      } catch (err) {
        return !String(err.message).includes(`unknown attribute '${name}'`);
      }
    });
    // Attributes without a default: the engine names one at a time.
    const required = [];
    for (let more = true; more;) {
      more = false;
      try {
        native.inferOp(op, Array(arity[0] ?? 1).fill(DUMMY), Object.fromEntries(required.map((a) => [a, 1n])));
      } catch (err) {
        const name = /attribute '(\w+)' is required/.exec(String(err.message))?.[1];
        if (name && !required.includes(name)) more = required.push(name) > 0;
      }
    }
    table[op] = { arity: arity.length ? arity : [1], attrs, required, data: info.dataInputs[op] ?? [] };
  }
  return table;
}

function tensor(rng, dtype = rng.pick(['float32', 'float32', 'int64', 'int32', 'bool'])) {
  const shape = Array.from({ length: rng.chance(0.1) ? 0 : rng.range(1, 4) }, () => (rng.chance(0.05) ? 0 : rng.range(1, 5)));
  return { dtype, shape, data: randomData(rng, dtype, shape) };
}

/** An int64 vector an op reads to infer shapes: small values, sometimes extreme ones. */
function dataTensor(rng) {
  const n = rng.chance(0.1) ? 0 : rng.range(1, 4);
  const values = Array.from({ length: n }, () => (rng.chance(0.15) ? rng.pick(HOSTILE_INTS) : BigInt(rng.range(-3, 6))));
  if (rng.chance(0.1)) return { dtype: 'int32', shape: [n], data: Int32Array.from(values, Number) };
  return { dtype: 'int64', shape: [n], data: BigInt64Array.from(values) };
}

/** A tensor argument the binding must refuse cleanly. */
function malformed(rng, t) {
  const n = t.data.length;
  switch (rng.int(10)) {
    case 0: return { ...t, shape: [...t.shape.slice(1), rng.pick([-1, 1.5, NaN, 2 ** 53, '3', null, 2 ** 40])] };
    case 1: return { ...t, shape: new Array(9).fill(1), data: new t.data.constructor(1) };
    case 2: return { ...t, dtype: rng.pick(['float64', 'int8', '', undefined, 5]) };
    case 3: return { ...t, data: new (t.data instanceof Float32Array ? Int32Array : Float32Array)(n) };
    case 4: return { ...t, data: new t.data.constructor(n ? n + rng.pick([1, -1]) : 1) };
    case 5: return { ...t, data: Array.from(t.data) };
    case 6: return { ...t, data: undefined };
    case 7: {
      const shared = new t.data.constructor(new SharedArrayBuffer(t.data.byteLength));
      shared.set(t.data);
      return { ...t, data: shared };
    }
    case 8: return { ...t, data: new t.data.constructor(n + 3).subarray(2, 2 + n) };
    default: return rng.pick([5, 'x', [], {}, true]);
  }
}

/**
 * A runOp, inferOp or builder call: { call, op, inputs, attrs, isa, threads, maxMemoryBytes,
 * constants, extraId }. A builder call adds the inputs the op reads to infer (and a few
 * others) as constants, the rest as program inputs, then the node (extraId: a hostile id
 * appended to its inputs), builds and runs it.
 */
export function runOpCase(rng, table, wide) {
  const ops = Object.keys(table);
  const op = rng.chance(0.02) ? rng.pick(['', 'NoSuchOp', 'relu', 'Relu ', '__proto__', 'constructor']) : rng.pick(ops);
  const spec = Object.hasOwn(table, op) ? table[op] : { arity: [1], attrs: [], required: [], data: [] };
  const n = rng.chance(0.9) ? rng.pick(spec.arity) : rng.range(0, 7);
  // One dtype for the case's tensors (ops mostly want their inputs alike), now and then another.
  const dtype = rng.chance(0.75) ? 'float32' : rng.pick(['int64', 'int32', 'bool']);
  const inputs = Array.from({ length: n }, (_, k) => {
    if (k > 0 && rng.chance(0.05)) return null;
    const t = spec.data.includes(k) ? dataTensor(rng) : tensor(rng, rng.chance(0.9) ? dtype : undefined);
    return rng.chance(0.05) ? malformed(rng, t) : t;
  });
  const attrs = {};
  // Names the op knows, and now and then one it does not (the only kind an op without attributes gets).
  const count = spec.attrs.length ? rng.int(3) : Number(rng.chance(0.05));
  const names = Array.from({ length: count }, () =>
    spec.attrs.length && rng.chance(0.95) ? rng.pick(spec.attrs) : rng.pick(['bogus', '', 'axis ', '__proto__', 'toString']));
  for (const name of [...spec.required.filter(() => rng.chance(0.9)), ...names]) {
    const value = Object.hasOwn(PLAUSIBLE, name) && rng.chance(0.9) ? PLAUSIBLE[name](rng) : rng.pick(HOSTILE_VALUES)(rng);
    // defineProperty: a key named '__proto__' must be an own attribute, not the prototype.
    Object.defineProperty(attrs, name, { value, enumerable: true, writable: true, configurable: true });
  }
  const draw = rng.unit();
  return {
    call: draw < 0.6 ? 'runOp' : draw < 0.8 ? 'inferOp' : 'builder',
    constants: inputs.map((_, k) => spec.data.includes(k) || rng.chance(0.2)),
    extraId: rng.chance(0.05) ? rng.pick([-2, 1.5, 2 ** 31, 'x', null, 999]) : undefined,
    op,
    inputs,
    attrs: rng.chance(0.02) ? rng.pick([null, 5, 'x', []]) : attrs,
    isa: rng.chance(0.05) ? rng.pick(['avx9', '', 'cuda', 5]) : rng.pick([undefined, 'scalar', wide]),
    threads: rng.chance(0.05) ? rng.pick([0, -1, 1.5, 257, NaN, '2']) : rng.pick([undefined, 1, 2]),
    maxMemoryBytes: rng.chance(0.05) ? rng.pick([undefined, 0, -1, NaN, 2 ** 60, '1']) : 16 << 20,
  };
}

/**
 * Runs the call. A runOp that worked is run again on the other ISA and thread
 * count: the two output hashes must be equal (the numerics contract).
 */
export async function runOpCall(native, c, wide, Finding) {
  if (c.call === 'inferOp') {
    native.inferOp(c.op, c.inputs, c.attrs);
    return 'ok';
  }
  if (c.call === 'builder') return builderCall(native, c, Finding);
  const outs = await native.runOp(c.op, c.inputs, c.attrs, c.isa, c.threads, c.maxMemoryBytes);
  // Large outputs (the default budget allows 1 GiB) are not computed twice: the
  // child's address space is for finding allocations past the limits.
  if (outs.reduce((n, t) => n + t.data.byteLength, 0) > 64 << 20) return 'ok';
  const other = c.isa === 'scalar' ? wide : 'scalar';
  let again;
  try {
    again = await native.runOp(c.op, c.inputs, c.attrs, other, c.threads === 2 ? 1 : 2, c.maxMemoryBytes);
  } catch (err) {
    throw new Finding('mismatch', `${c.op}: ran on ${c.isa ?? 'default'} but not on ${other}: ${err?.message ?? err}`);
  }
  const a = native.hashTensors(outs), b = native.hashTensors(again);
  if (a !== b) throw new Finding('mismatch', `${c.op}: output hash differs: ${c.isa ?? 'default'} ${a}, ${other} ${b}`);
  return 'ok';
}

/** A one-node program through a ProgramBuilder: its outputs must be runOp's bits (scalar, one thread). */
async function builderCall(native, c, Finding) {
  const b = native.createProgramBuilder();
  const feed = [];
  const ids = c.inputs.map((t, k) => {
    if (t === null) return null;
    if (c.constants[k]) return b.addConstant(t);
    feed.push(t);
    return b.addInput(t);
  });
  if (c.extraId !== undefined) ids.push(c.extraId);
  const outs = b.addNode('fuzz', c.op, ids, c.attrs);
  // Programs have no memory budget of their own (kernels' limits apply above them):
  // keep to what runOp's default budget would compute.
  const bytes = outs.reduce((n, o) => n + o.shape.reduce((a, d) => a * d, 1) * (o.dtype === 'int64' ? 8 : o.dtype === 'bool' ? 1 : 4), 0);
  if (bytes > 64 << 20) return 'ok';
  const got = b.build(outs.map((o) => o.id)).runSync(feed, { isa: c.isa, threads: c.threads });
  let want;
  try {
    want = await native.runOp(c.op, c.inputs, c.attrs, 'scalar', 1, 64 << 20);
  } catch (err) {
    throw new Finding('mismatch', `${c.op}: a builder's program ran but runOp did not: ${err?.message ?? err}`);
  }
  const a = native.hashTensors(got.outputs), w = native.hashTensors(want);
  if (a !== w) throw new Finding('mismatch', `${c.op}: a builder's program gives ${a}, runOp on scalar ${w}`);
  return 'ok';
}
