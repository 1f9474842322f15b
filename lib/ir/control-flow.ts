// Ops with subgraphs, written by lowering (issue 13 item 4; docs/ONNX.md "Control flow").
// Subgraph values have IR-unique names (buildIr), so a subgraph's nodes are lowered in the
// same value environment as the node holding them.
//
//   If:   a condition lowering knows picks its branch, lowered alone; a condition computed at
//         run time lowers both branches and selects each output with Where.
//   Loop: unrolled, when its trip count and every iteration's condition are known when the
//         program is built (constants, or shape arithmetic lowering folds), at most
//         MAX_LOOP_ITERATIONS iterations; the scan outputs are the iterations' values stacked.
//   Scan (opset 9 on): unrolled over the scan axis (its length is a shape, known), at most
//         MAX_LOOP_ITERATIONS steps; each step's slices are Gathers of one index.
import { AivmError } from '../errors';
import { numel, type DType } from '../tensor';
import type { Entry } from './lower';
import { isGraphAttr, type IrConstant, type IrNode, type IrSubgraph } from './types';

/** Loops unroll into at most this many copies of their body (past it: E_TOO_LARGE, before anything is built). */
export const MAX_LOOP_ITERATIONS = 4096;

export interface ControlFlowContext {
  env: Map<string, Entry>;
  lowerNode: (node: IrNode) => Promise<void>;
  /** A name no value of the model uses. */
  fresh: (base: string) => string;
  /** Registers a constant under a fresh name based on `base`; returns the name. */
  constant: (base: string, c: IrConstant) => string;
  lookup: (name: string) => Entry;
}

const specOf = (e: Entry): { dtype: DType; shape: number[] } => (e.kind === 'const' ? { dtype: e.c.dtype, shape: e.c.shape } : { dtype: e.dtype, shape: e.shape });

function subgraph(node: IrNode, attr: string): IrSubgraph {
  const a = node.attrs[attr];
  if (a === undefined || !isGraphAttr(a)) throw new AivmError('E_ATTR', `node '${node.name}': ${node.op} needs the subgraph attribute '${attr}'`);
  return a.graph;
}

export async function lowerControlFlow(node: IrNode, inputs: (Entry | null)[], ctx: ControlFlowContext): Promise<void> {
  if (node.op === 'If') return lowerIf(node, inputs, ctx);
  if (node.op === 'Loop') return lowerLoop(node, inputs, ctx);
  if (node.op === 'Scan') return lowerScan(node, inputs, ctx);
  throw new AivmError('E_INTERNAL', `node '${node.name}': ${node.op} is not a control-flow op`);
}

/** A bool of one element lowering knows (undefined: computed at run time). */
function knownBool(node: IrNode, what: string, e: Entry): boolean | undefined {
  const { dtype, shape } = specOf(e);
  if (dtype !== 'bool') throw new AivmError('E_DTYPE', `node '${node.name}': ${node.op}'s ${what} must be bool, got ${dtype}`);
  if (numel(shape) !== 1) throw new AivmError('E_SHAPE', `node '${node.name}': ${node.op}'s ${what} must hold one element, got shape [${shape}]`);
  return e.kind === 'const' ? e.c.data[0] !== 0 : undefined;
}

async function lowerIf(node: IrNode, inputs: (Entry | null)[], ctx: ControlFlowContext): Promise<void> {
  const then = subgraph(node, 'then_branch'), otherwise = subgraph(node, 'else_branch');
  if (node.inputs.length !== 1 || !inputs[0]) throw new AivmError('E_ARITY', `node '${node.name}': If takes one input (cond), got ${node.inputs.length}`);
  for (const [which, g] of [['then', then], ['else', otherwise]] as const) {
    if (g.inputs.length !== 0) throw new AivmError('E_ONNX_INVALID', `node '${node.name}': an If branch takes no inputs, ${which}_branch has ${g.inputs.length}`);
    if (g.outputs.length !== node.outputs.length) {
      throw new AivmError('E_ONNX_INVALID', `node '${node.name}': ${which}_branch has ${g.outputs.length} outputs, If has ${node.outputs.length}`);
    }
  }
  const cond = knownBool(node, 'condition', inputs[0]);
  if (cond !== undefined) {
    // The branch its condition picks, lowered in place.
    const picked = cond ? then : otherwise;
    for (const part of picked.nodes) await ctx.lowerNode(part);
    node.outputs.forEach((name, i) => {
      if (name !== '') ctx.env.set(name, ctx.lookup(picked.outputs[i]));
    });
    return;
  }
  // A condition known only at run time: both branches run, and each output is
  // Where(cond, then's, else's): exactly the value of the branch the condition picks.
  for (const part of [...then.nodes, ...otherwise.nodes]) await ctx.lowerNode(part);
  let condName = node.inputs[0];
  if (specOf(inputs[0]).shape.length !== 0) {
    condName = ctx.fresh(`${node.name}::cond_scalar`);
    const scalar = ctx.constant(`${node.name}::scalar_shape`, { dtype: 'int64', shape: [0], data: new BigInt64Array(0) });
    await ctx.lowerNode({ name: `${node.name}::cond`, op: 'Reshape', inputs: [node.inputs[0], scalar], outputs: [condName], attrs: {} });
  }
  for (let i = 0; i < node.outputs.length; i++) {
    if (node.outputs[i] === '') continue;
    const a = specOf(ctx.lookup(then.outputs[i])), b = specOf(ctx.lookup(otherwise.outputs[i]));
    if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) {
      throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}' (If): output ${i} is ${a.dtype} [${a.shape}] in then_branch and ${b.dtype} [${b.shape}] in else_branch; ` +
        'with a condition computed at run time the branches must agree (branches of different shapes need run-time shapes)');
    }
    await ctx.lowerNode({ name: `${node.name}::select${i}`, op: 'Where', inputs: [condName, then.outputs[i], otherwise.outputs[i]], outputs: [node.outputs[i]], attrs: {} });
  }
}

/**
 * Loop(M?, cond?, v_initial...) with body(iteration_num, cond_in, v_in...) -> (cond_out,
 * v_out..., scan_out...): unrolled. Each iteration binds the body's inputs (the iteration
 * number as an int64 scalar constant, the condition, the carried values) and lowers the body;
 * the loop stops after M iterations or when cond_out is false, both of which lowering must
 * know. Outputs: the final carried values, then each scan output's values stacked on a new
 * first axis (Reshape to [1, ...], Concat on axis 0).
 */
async function lowerLoop(node: IrNode, inputs: (Entry | null)[], ctx: ControlFlowContext): Promise<void> {
  const body = subgraph(node, 'body');
  const carried = node.inputs.length - 2;
  if (carried < 0) throw new AivmError('E_ARITY', `node '${node.name}': Loop takes M, cond and the loop-carried values; got ${node.inputs.length} inputs`);
  if (body.inputs.length !== carried + 2) {
    throw new AivmError('E_ONNX_INVALID', `node '${node.name}': the body takes ${body.inputs.length} inputs, Loop gives it ${carried + 2} (iteration, condition, ${carried} carried)`);
  }
  const scans = body.outputs.length - 1 - carried;
  if (scans < 0) throw new AivmError('E_ONNX_INVALID', `node '${node.name}': the body has ${body.outputs.length} outputs, fewer than 1 + ${carried} carried`);
  if (node.outputs.length !== carried + scans) {
    throw new AivmError('E_ONNX_INVALID', `node '${node.name}': Loop has ${node.outputs.length} outputs, its body gives ${carried} carried + ${scans} scan outputs`);
  }
  let trips = MAX_LOOP_ITERATIONS + 1;
  const m = inputs[0];
  if (m) {
    if (m.kind !== 'const') {
      throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}' (Loop): the trip count ('${node.inputs[0]}') is computed at run time; ` +
        'the loader unrolls a Loop only when its trip count and conditions are known when the program is built');
    }
    if (m.c.dtype !== 'int64' || m.c.data.length !== 1) throw new AivmError('E_DTYPE', `node '${node.name}': Loop's M must be one int64, got ${m.c.dtype} [${m.c.shape}]`);
    const v = m.c.data[0] as bigint;
    if (v > BigInt(MAX_LOOP_ITERATIONS)) {
      throw new AivmError('E_TOO_LARGE', `node '${node.name}': Loop's trip count ${v} is over the ${MAX_LOOP_ITERATIONS} iterations the loader unrolls (MAX_LOOP_ITERATIONS)`);
    }
    trips = v < 0n ? 0 : Number(v);
  }
  let cond: Entry | undefined = inputs[1] ?? undefined;
  let go = cond ? knownBool(node, 'condition', cond) : true;
  if (go === undefined) throw runTimeCondition(node, node.inputs[1]);
  let state = inputs.slice(2) as Entry[];
  if (state.some((e) => e === null)) throw new AivmError('E_ONNX_INVALID', `node '${node.name}': a loop-carried value is omitted`);
  const stacked: string[][] = Array.from({ length: scans }, () => []);
  let i = 0;
  for (; go && i < trips; i++) {
    if (i >= MAX_LOOP_ITERATIONS) {
      throw new AivmError('E_TOO_LARGE', `node '${node.name}': Loop would unroll more than ${MAX_LOOP_ITERATIONS} iterations (MAX_LOOP_ITERATIONS)`);
    }
    ctx.env.set(body.inputs[0], { kind: 'const', c: { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(i)) } });
    ctx.env.set(body.inputs[1], cond ?? { kind: 'const', c: { dtype: 'bool', shape: [], data: Uint8Array.of(1) } });
    state.forEach((e, k) => ctx.env.set(body.inputs[2 + k], e));
    for (const part of body.nodes) await ctx.lowerNode(part);
    cond = ctx.lookup(body.outputs[0]);
    go = knownBool(node, 'body\'s condition output', cond);
    if (go === undefined) throw runTimeCondition(node, body.outputs[0]);
    state = body.outputs.slice(1, 1 + carried).map((name) => ctx.lookup(name));
    // Each iteration's scan values under names of their own (the body's names are rebound next time).
    body.outputs.slice(1 + carried).forEach((name, k) => {
      const own = ctx.fresh(`${node.name}::scan${k}_${i}`);
      ctx.env.set(own, ctx.lookup(name));
      stacked[k].push(own);
    });
  }
  node.outputs.slice(0, carried).forEach((name, k) => {
    if (name !== '') ctx.env.set(name, state[k]);
  });
  for (let k = 0; k < scans; k++) {
    const out = node.outputs[carried + k];
    if (out === '') continue;
    if (stacked[k].length === 0) {
      throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}' (Loop): no iteration ran, so scan output ${k} is empty with an element shape the loader does not know`);
    }
    await stack(node, `scan${k}`, stacked[k], 0, out, ctx);
  }
}

/** The values (of one shape) stacked on a new axis `axis` of the result: a Reshape each, one Concat. */
async function stack(node: IrNode, role: string, names: string[], axis: number, out: string, ctx: ControlFlowContext): Promise<void> {
  const rows: string[] = [];
  for (const [t, name] of names.entries()) {
    const { shape } = specOf(ctx.lookup(name));
    const wide = [...shape.slice(0, axis), 1, ...shape.slice(axis)];
    const row = ctx.fresh(`${node.name}::${role}_row${t}`);
    const target = ctx.constant(`${node.name}::${role}_shape`, { dtype: 'int64', shape: [wide.length], data: BigInt64Array.from(wide.map(BigInt)) });
    await ctx.lowerNode({ name: `${node.name}::${role}_row${t}`, op: 'Reshape', inputs: [name, target], outputs: [row], attrs: { allowzero: 1n } });
    rows.push(row);
  }
  await ctx.lowerNode({ name: `${node.name}::${role}`, op: 'Concat', inputs: rows, outputs: [out], attrs: { axis: BigInt(axis) } });
}

/** An ints attribute of `count` entries (default: zeros), each checked by `ok`. */
function intsAttr(node: IrNode, name: string, count: number): number[] {
  const v = node.attrs[name];
  if (v === undefined) return new Array<number>(count).fill(0);
  if (!Array.isArray(v) || v.length !== count || !v.every((x) => typeof x === 'bigint')) {
    throw new AivmError('E_ATTR', `node '${node.name}': Scan attribute '${name}' must be ${count} ints`);
  }
  return (v as bigint[]).map(Number);
}

/**
 * Scan-9 to -25 (initial states..., scan inputs...) with body(states..., scan slices...) ->
 * (states..., scan outputs...): unrolled over the scan axis. Step t reads element t (or
 * L - 1 - t for a reverse direction) of each scan input along its axis; the scan outputs are
 * the steps' values stacked along scan_output_axes, in reverse order for a reverse direction.
 * Scan-8 (a batch axis and sequence_lens) is refused by its version line.
 */
async function lowerScan(node: IrNode, inputs: (Entry | null)[], ctx: ControlFlowContext): Promise<void> {
  const body = subgraph(node, 'body');
  const m = node.attrs.num_scan_inputs;
  if (typeof m !== 'bigint' || m < 1n || m > BigInt(node.inputs.length)) {
    throw new AivmError('E_ATTR', `node '${node.name}': Scan attribute 'num_scan_inputs' must be an int in [1, ${node.inputs.length}]`);
  }
  const M = Number(m), N = node.inputs.length - M, K = body.outputs.length - N;
  if (body.inputs.length !== N + M) throw new AivmError('E_ONNX_INVALID', `node '${node.name}': the body takes ${body.inputs.length} inputs, Scan gives it ${N} states + ${M} scan slices`);
  if (K < 0 || node.outputs.length !== N + K) {
    throw new AivmError('E_ONNX_INVALID', `node '${node.name}': Scan has ${node.outputs.length} outputs, its body gives ${body.outputs.length} (${N} states first)`);
  }
  if (inputs.some((e) => e === null)) throw new AivmError('E_ONNX_INVALID', `node '${node.name}': a Scan input is omitted`);
  const ins = inputs as Entry[];
  const inAxes = intsAttr(node, 'scan_input_axes', M), inDirs = intsAttr(node, 'scan_input_directions', M);
  const outAxes = intsAttr(node, 'scan_output_axes', K), outDirs = intsAttr(node, 'scan_output_directions', K);
  if ([...inDirs, ...outDirs].some((d) => d !== 0 && d !== 1)) throw new AivmError('E_ATTR', `node '${node.name}': Scan directions must be 0 or 1`);
  let length = -1;
  const axes = inAxes.map((a, j) => {
    const r = specOf(ins[N + j]).shape.length;
    if (a < -r || a >= r) throw new AivmError('E_ATTR', `node '${node.name}': scan_input_axes[${j}] = ${a} is outside [${-r}, ${r - 1}]`);
    const axis = a < 0 ? a + r : a;
    const l = specOf(ins[N + j]).shape[axis];
    if (length >= 0 && l !== length) throw new AivmError('E_SHAPE', `node '${node.name}': scan input ${j} has ${l} steps along its axis, scan input 0 has ${length}`);
    length = l;
    return axis;
  });
  if (length > MAX_LOOP_ITERATIONS) {
    throw new AivmError('E_TOO_LARGE', `node '${node.name}': Scan would unroll ${length} steps, over the limit of ${MAX_LOOP_ITERATIONS} (MAX_LOOP_ITERATIONS)`);
  }
  if (length === 0 && K > 0) throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}' (Scan): zero steps, so its scan outputs' element shapes are not known`);
  let state = ins.slice(0, N);
  const outs: string[][] = Array.from({ length: K }, () => []);
  for (let t = 0; t < length; t++) {
    state.forEach((e, k) => ctx.env.set(body.inputs[k], e));
    for (let j = 0; j < M; j++) {
      const at = ctx.constant(`${node.name}::step`, { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(inDirs[j] ? length - 1 - t : t)) });
      await ctx.lowerNode({ name: `${node.name}::slice${j}_${t}`, op: 'Gather', inputs: [node.inputs[N + j], at], outputs: [body.inputs[N + j]], attrs: { axis: BigInt(axes[j]) } });
    }
    for (const part of body.nodes) await ctx.lowerNode(part);
    state = body.outputs.slice(0, N).map((name) => ctx.lookup(name));
    body.outputs.slice(N).forEach((name, k) => {
      const own = ctx.fresh(`${node.name}::out${k}_${t}`);
      ctx.env.set(own, ctx.lookup(name));
      outs[k].push(own);
    });
  }
  node.outputs.slice(0, N).forEach((name, k) => {
    if (name !== '') ctx.env.set(name, state[k]);
  });
  for (let k = 0; k < K; k++) {
    const out = node.outputs[N + k];
    if (out === '') continue;
    const r = specOf(ctx.lookup(outs[k][0])).shape.length + 1;
    const a = outAxes[k];
    if (a < -r || a >= r) throw new AivmError('E_ATTR', `node '${node.name}': scan_output_axes[${k}] = ${a} is outside [${-r}, ${r - 1}]`);
    await stack(node, `out${k}`, outDirs[k] ? [...outs[k]].reverse() : outs[k], a < 0 ? a + r : a, out, ctx);
  }
}

function runTimeCondition(node: IrNode, name: string): AivmError {
  return new AivmError('E_UNSUPPORTED_OP', `node '${node.name}' (Loop): the condition ('${name}') is computed at run time; ` +
    'the loader unrolls a Loop only when its trip count and conditions are known when the program is built');
}
