// Lowering: the IR specialised to concrete input shapes, as a native program.
// Shape arithmetic (Shape, Unsqueeze, ConstantOfShape, Range, ...) is folded
// here, engine ops whose inputs are all small constants are evaluated once with
// the engine itself (scalar, one thread: the same bits any ISA would give), and
// what is left is a list of engine ops over value ids, added one by one to a
// native ProgramBuilder: adding a node infers it (once; the Program it builds
// does not infer again) and gives back the output shapes lowering goes on with.
// Every step depends only on the IR and the input shapes, so every node lowers
// a kernel identically.
import type { AttrValue, NativeProgramBuilder, NativeTensor, ProgramSpec } from '../binding';
import { AivmError } from '../errors';
import { dtypeSize, numel, type DType } from '../tensor';
import { CONTROL_FLOW_OPS, FOLDED_OPS } from './build';
import { lowerControlFlow } from './control-flow';
import { Body } from './composed';
import { ENGINE_REWRITES, LOWERING_BODIES } from './lowering-bodies';
import type { AdaptContext } from './op-versions';
import { foldGraphLevelOp } from './fold';
import { nodeGas, runGas } from './gas';
import { isGraphAttr, type IrConstant, type IrGraph, type IrNode, type IrSubgraph } from './types';
import { hasNarrowInput, widenedNode } from './widen';

export interface EngineAccess {
  createProgramBuilder(): NativeProgramBuilder;
  /** Shape inference alone: for ops on constants, which lowering may fold instead of adding. */
  inferOp(op: string, inputs: ({ dtype: DType; shape: number[]; data?: NativeTensor['data'] } | null)[],
    attrs?: Record<string, AttrValue>): { dtype: DType; shape: number[] }[];
  runOp(op: string, inputs: (NativeTensor | null)[], attrs: Record<string, AttrValue>): Promise<NativeTensor[]>;
  /** op -> the input indices whose data the op's shape inference reads. */
  dataInputs: Record<string, number[]>;
}

export interface LoweredNode {
  /** The IR (ONNX) node this engine op comes from. */
  name: string;
  op: string;
  /** Output names as the model has them ('' for outputs the model does not name). */
  outputs: string[];
  gas: bigint;
}

export interface LoweredProgram {
  /** Every engine node inferred once, when lowering added it: build(outputs) plans a Program. */
  builder: NativeProgramBuilder;
  /** The same graph as plain data, with the builder's value ids (traces, `aivm inspect`, tests). */
  spec: ProgramSpec;
  /** Parallel to spec.nodes. */
  nodes: LoweredNode[];
  /** Graph output names, parallel to spec.outputs. */
  outputs: string[];
  /** Deterministic cost of one run with these input shapes (docs/GAS.md). */
  gas: bigint;
  /** Bytes of the constants lowering created (folded results): memory a run needs besides its plan. */
  foldedBytes: number;
}

/** A value during lowering: a constant known now, or a runtime value with its id. */
export type ValueEntry = { kind: 'value'; id: number; dtype: DType; shape: number[] };
export type Entry = { kind: 'const'; c: IrConstant } | ValueEntry;

/** Ops on constants with inputs and outputs up to this many elements are folded through the engine at lowering time. */
const FOLD_LIMIT = 1 << 16;

export function inputSignature(shapes: number[][]): string {
  return shapes.map((s) => s.join('x')).join(',');
}

/**
 * memoryBudget: bytes the constants created while lowering may take (the kernel's
 * maxMemoryBytes); past it, E_MEMORY_LIMIT before the constant is allocated.
 */
export async function lowerIr(ir: IrGraph, inputShapes: number[][], engine: EngineAccess,
  memoryBudget = Number.POSITIVE_INFINITY): Promise<LoweredProgram> {
  const spec: ProgramSpec = { values: [], constants: [], inputs: [], outputs: [], nodes: [] };
  const builder = engine.createProgramBuilder();
  const lowered: LoweredNode[] = [];
  const env = new Map<string, Entry>();
  const constIds = new Map<IrConstant, number>();
  let foldedBytes = 0;
  const charge = (bytes: number, what: string) => {
    foldedBytes += bytes;
    if (foldedBytes > memoryBudget) {
      throw new AivmError('E_MEMORY_LIMIT', `lowering this kernel for these input shapes creates ${foldedBytes} bytes of constants ` +
        `(${what}), over the kernel's limit of ${memoryBudget} (limits.maxMemoryBytes)`);
    }
  };

  // The builder gives value ids out in order; spec.values mirrors them.
  const newValue: NewValue = (id, dtype, shape) => {
    if (id !== spec.values.length) throw new AivmError('E_INTERNAL', `lowering: the builder gave value id ${id}, expected ${spec.values.length}`);
    spec.values.push({ dtype, shape });
    return { kind: 'value', id, dtype, shape };
  };
  const idOf = (e: Entry): number => {
    if (e.kind === 'value') return e.id;
    let id = constIds.get(e.c);
    if (id === undefined) {
      id = newValue(builder.addConstant(e.c as NativeTensor), e.c.dtype, e.c.shape).id;
      spec.constants.push({ value: id, data: e.c.data });
      constIds.set(e.c, id);
    }
    return id;
  };
  const addNode: AddNode = (node, op, ins, attrs) => {
    const inputIds = ins.map((e) => (e === null ? -1 : idOf(e)));
    const outs = builder.addNode(node.name, op, inputIds, attrs).map((o) => newValue(o.id, o.dtype, o.shape));
    spec.nodes.push({ name: node.name, op, inputs: inputIds, outputs: outs.map((o) => o.id), attrs });
    return outs;
  };

  ir.inputs.forEach((input, i) => {
    const shape = inputShapes[i];
    const e = newValue(builder.addInput({ dtype: input.dtype, shape }), input.dtype, shape);
    spec.inputs.push(e.id);
    env.set(input.name, e);
  });
  for (const [name, c] of ir.constants) env.set(name, { kind: 'const', c });

  // Names no value of the model uses, for the parts of bodies written here.
  const taken = new Set<string>([...ir.inputs.map((v) => v.name), ...ir.constants.keys(), ...allNodes(ir.nodes).flatMap((n) => n.outputs)]);
  const fresh = (base: string) => {
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}#${k}`;
    taken.add(name);
    return name;
  };
  const bodyContext: AdaptContext = {
    opset: ir.opset,
    constant: (base, c) => {
      const name = fresh(base);
      charge(c.data.byteLength, `constant ${name}`);
      env.set(name, { kind: 'const', c });
      return name;
    },
    value: fresh,
  };

  const lowerNode = async (node: IrNode): Promise<void> => {
    const inputs = node.inputs.map((name) => (name === '' ? null : lookup(env, name, node)));
    if (CONTROL_FLOW_OPS.includes(node.op)) {
      await lowerControlFlow(node, inputs, { env, lowerNode, fresh, constant: bodyContext.constant, lookup: (name) => lookup(env, name, node) });
      return;
    }
    const body = Object.hasOwn(LOWERING_BODIES, node.op) ? LOWERING_BODIES[node.op] : undefined;
    const rewrite = Object.hasOwn(ENGINE_REWRITES, node.op) ? ENGINE_REWRITES[node.op] : undefined;
    if (body || rewrite) {
      const b = new Body(node, bodyContext);
      const known = inputs.map((e) => e && (e.kind === 'const' ? { dtype: e.c.dtype, shape: e.c.shape, data: e.c.data } : { dtype: e.dtype, shape: e.shape }));
      if (body) body(node, known, b, ir.opset);
      if (body || rewrite!(node, known, b, ir.opset)) {
        for (const part of b.nodes) await lowerNode(part);
        return;
      }
    }
    let outputs: Entry[];
    if (FOLDED_OPS.includes(node.op)) {
      outputs = foldGraphLevelOp(node, inputs, ir, {
        reshape: (e, shape) => reshapeEntry(e, shape, node, lowered, addNode),
        charge,
      });
    } else {
      const attrs = engineAttrs(node);
      outputs = await lowerEngineOp(node, inputs, attrs, engine, lowered, addNode, charge);
    }
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      if (i >= outputs.length) {
        throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}': ${node.op} output ${i} ('${name}') is not produced by this engine`);
      }
      env.set(name, outputs[i]);
    });
  };
  for (const irNode of liveNodes(ir)) await lowerNode(irNode);

  for (const name of ir.outputs) spec.outputs.push(idOf(lookup(env, name, undefined)));
  let ioBytes = 0n;
  for (const id of [...spec.inputs, ...spec.outputs]) ioBytes += BigInt(bytesOf(spec.values[id]));
  let gas = runGas(ioBytes);
  for (const n of lowered) gas += n.gas;
  return { builder, spec, nodes: lowered, outputs: [...ir.outputs], gas, foldedBytes };
}

function lookup(env: Map<string, Entry>, name: string, node: IrNode | undefined): Entry {
  const e = env.get(name);
  if (!e) {
    const where = node ? `node '${node.name}' input` : 'graph output';
    throw new AivmError('E_ONNX_INVALID', `${where} '${name}' is not defined before it is used`);
  }
  return e;
}

/** Nodes that contribute to a graph output, in IR order (dead code is never run nor charged). */
function liveNodes(ir: IrGraph): IrNode[] {
  const needed = new Set(ir.outputs);
  const live: boolean[] = new Array(ir.nodes.length).fill(false);
  for (let i = ir.nodes.length - 1; i >= 0; i--) {
    const n = ir.nodes[i];
    if (n.outputs.some((o) => o !== '' && needed.has(o))) {
      live[i] = true;
      for (const inp of nodeInputs(n)) if (inp !== '') needed.add(inp);
    }
  }
  return ir.nodes.filter((_, i) => live[i]);
}

const subgraphs = (n: IrNode): IrSubgraph[] => Object.values(n.attrs).filter(isGraphAttr).map((a) => a.graph);

/** The nodes and, recursively, the nodes of their subgraphs. */
function allNodes(nodes: IrNode[]): IrNode[] {
  return nodes.flatMap((n) => [n, ...subgraphs(n).flatMap((g) => allNodes(g.nodes))]);
}

/** A node's inputs and the values of enclosing graphs its subgraphs read (names are IR-unique). */
function nodeInputs(n: IrNode): string[] {
  const subs = subgraphs(n);
  if (subs.length === 0) return n.inputs;
  const reads: string[] = [...n.inputs];
  for (const g of subs) {
    const inner = allNodes(g.nodes);
    const defined = new Set([...g.inputs, ...inner.flatMap((x) => x.outputs)]);
    for (const x of inner) for (const v of x.inputs) if (!defined.has(v)) reads.push(v);
    for (const v of g.outputs) if (!defined.has(v)) reads.push(v);
  }
  return reads;
}


/** The node's attributes, checked: no tensor-valued attribute reaches an engine op (op versions: lib/ir/op-versions.ts). */
function engineAttrs(node: IrNode): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(node.attrs)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const kind = 'graph' in v ? 'a subgraph' : 'a tensor';
      throw new AivmError('E_ATTR', `node '${node.name}': ${node.op} attribute '${k}' is ${kind}, which the engine does not take`);
    }
    attrs[k] = v as AttrValue;
  }
  return attrs;
}

type NewValue = (id: number, dtype: DType, shape: number[]) => ValueEntry;
/** Adds an engine node to the builder (inferring it) and to the spec; its output values, one per op output. */
type AddNode = (node: IrNode, op: string, inputs: (Entry | null)[], attrs: Record<string, AttrValue>) => ValueEntry[];

async function lowerEngineOp(node: IrNode, inputs: (Entry | null)[], attrs: Record<string, AttrValue>, engine: EngineAccess,
  lowered: LoweredNode[], addNode: AddNode, charge: (bytes: number, what: string) => void): Promise<Entry[]> {
  // Trailing omitted inputs are simply absent for the engine.
  let last = inputs.length;
  while (last > 0 && inputs[last - 1] === null) last--;
  const ins = inputs.slice(0, last);

  for (const k of engine.dataInputs[node.op] ?? []) {
    const e = ins[k];
    if (e && e.kind !== 'const') {
      throw new AivmError('E_UNSUPPORTED_OP', `node '${node.name}': input ${k} of ${node.op} ('${node.inputs[k]}') is computed at run time; ` +
        'the engine needs it to be known when the program is built (a constant, or shape arithmetic the loader can fold)');
    }
  }
  // Constants with their data: gas reads some (Reduce* axes, Slice steps), as infer does.
  const specsIn = ins.map((e) => (e === null ? null : e.kind === 'const' ? { dtype: e.c.dtype, shape: e.c.shape, data: e.c.data } : { dtype: e.dtype, shape: e.shape }));

  // An op that refuses a narrow dtype computes on the widened values (lib/ir/widen.ts).
  if (hasNarrowInput(ins)) {
    try {
      engine.inferOp(node.op, specsIn, attrs);
    } catch (err) {
      if (!(err instanceof AivmError) || err.code !== 'E_DTYPE') throw err;
      const accepts = (specs: ({ dtype: DType; shape: number[] } | null)[]) => {
        try {
          engine.inferOp(node.op, specs.map((s, k) => (s && specsIn[k] && s.dtype === specsIn[k]!.dtype ? specsIn[k] : s)), attrs);
          return true;
        } catch (e) {
          if (e instanceof AivmError && e.code === 'E_DTYPE') return false;
          throw e;
        }
      };
      return widenedNode(node, ins, err, accepts, (n, i) =>
        lowerEngineOp(n, i, n === node ? attrs : n.attrs as Record<string, AttrValue>, engine, lowered, addNode, charge));
    }
  }

  // Fold only small work: constant inputs AND outputs within FOLD_LIMIT elements, so a
  // kernel cannot make lowering allocate a large uncharged constant (a folded output is
  // held per worker and counted by neither gas nor the memory plan). Only such candidates
  // are inferred apart; every other node is inferred once, by the builder.
  const small = (shape: number[]) => numel(shape) <= FOLD_LIMIT;
  const consts = ins.length > 0 && ins.every((e) => e === null || e.kind === 'const') ? ins as ({ kind: 'const'; c: IrConstant } | null)[] : undefined;
  if (consts && specsIn.every((s) => s === null || small(s.shape))) {
    const outSpecs = engine.inferOp(node.op, specsIn, attrs);
    if (outSpecs.every((s) => small(s.shape))) {
      for (const o of outSpecs) charge(bytesOf(o), `folded ${node.op}`);
      const outs = await engine.runOp(node.op, consts.map((e) => (e ? e.c as NativeTensor : null)), attrs);
      return outs.map((t) => ({ kind: 'const', c: t as IrConstant }));
    }
  }

  const outs = addNode(node, node.op, ins, attrs);
  const g = nodeGas(node.op, specsIn, outs, attrs);
  lowered.push({ name: node.name, op: node.op, outputs: outs.map((_, i) => node.outputs[i] ?? ''), gas: g });
  return outs;
}

/**
 * A reshape of a constant is a new view of the same data; of a runtime value, an engine
 * Reshape, unless the shape is the value's own (then it is the value itself: no node, no copy).
 */
function reshapeEntry(e: Entry, shape: number[], node: IrNode, lowered: LoweredNode[], addNode: AddNode): Entry {
  if (e.kind === 'const') return { kind: 'const', c: { dtype: e.c.dtype, shape, data: e.c.data } };
  if (e.shape.length === shape.length && e.shape.every((d, i) => d === shape[i])) return e;
  const shapeConst: IrConstant = { dtype: 'int64', shape: [shape.length], data: BigInt64Array.from(shape.map(BigInt)) };
  // A 0 in the shape is a zero-size dimension here, not "copy the input's" (Reshape's default).
  const attrs: Record<string, AttrValue> = shape.includes(0) ? { allowzero: 1n } : {};
  const [out] = addNode(node, 'Reshape', [e, { kind: 'const', c: shapeConst }], attrs);
  if (out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i])) {
    throw new AivmError('E_INTERNAL', `node '${node.name}': the engine's Reshape gave [${out.shape}] for the folded shape [${shape}]`);
  }
  const ins = [{ dtype: e.dtype, shape: e.shape }, { dtype: 'int64' as DType, shape: [shape.length] }];
  const g = nodeGas('Reshape', ins, [{ dtype: out.dtype, shape: out.shape }], {});
  lowered.push({ name: node.name, op: 'Reshape', outputs: [node.outputs[0]], gas: g });
  return out;
}

function bytesOf(v: { dtype: DType; shape: number[] }): number {
  return numel(v.shape) * dtypeSize(v.dtype);
}
