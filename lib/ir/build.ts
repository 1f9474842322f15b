// ONNX model -> IR: opset and op checks, constants from initializers and
// Constant nodes, attributes converted to the engine's form. Nothing here looks
// at input shapes; that is lower.ts's job, once per concrete input signature.
import { AivmError } from '../errors';
import { onnxTypeName, subgraphsOf, topoSort, type OnnxAttr, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxTensor } from '../onnx';
import { DTypes, dtypeSize, typedView, type DType } from '../tensor';

export { typedView };
import { COMPOSED } from './composed';
import { LOWERING_BODIES } from './lowering-bodies';
import { adaptNode, MAX_OPSET, MIN_OPSET, RESHAPE_AS, type AdaptContext } from './op-versions';
import { isConstantRef, type IrAttr, type IrConstant, type IrGraph, type IrNode, type IrSubgraph, type IrValueSpec, type TypedArray } from './types';

export { MAX_OPSET, MIN_OPSET } from './op-versions';

/** Ops the loader writes as engine ops (lib/ir/composed.ts). */
export const COMPOSED_OPS: readonly string[] = Object.keys(COMPOSED);

/** Ops with subgraphs that lowering writes (lib/ir/control-flow.ts). */
export const CONTROL_FLOW_OPS: readonly string[] = ['If', 'Loop', 'Scan'];

/** Graph-level ops lowering writes as engine ops once it knows their inputs' dtypes and shapes (lib/ir/lowering-bodies.ts). */
export const LOWERING_BODY_OPS: readonly string[] = Object.keys(LOWERING_BODIES);

/** Ops the loader folds or rewrites itself; everything else must be an engine op. */
export const GRAPH_LEVEL_OPS: readonly string[] = [
  'Constant', 'Identity', 'Dropout', 'Shape', 'Size', 'Unsqueeze', 'Squeeze', 'Flatten',
  'ConstantOfShape', 'Range', 'Upsample', 'Scatter', ...LOWERING_BODY_OPS, ...COMPOSED_OPS, ...CONTROL_FLOW_OPS,
];

/** Graph-level ops whose every version's adapter (lib/ir/op-versions.ts) rewrites them into engine ops. */
export const ADAPTED_AWAY_OPS: readonly string[] = ['Upsample', 'Scatter', ...COMPOSED_OPS];

/** The graph-level ops lowering folds: the ONNX ones above, and the loader's own that only op-version adapters make. */
export const FOLDED_OPS: readonly string[] = [
  ...GRAPH_LEVEL_OPS.filter((op) => !LOWERING_BODY_OPS.includes(op) && !ADAPTED_AWAY_OPS.includes(op) && !CONTROL_FLOW_OPS.includes(op)), RESHAPE_AS,
];

export function buildIr(model: OnnxModel, engineOps: readonly string[], extraInitializers: OnnxTensor[] = []): IrGraph {
  const opset = defaultOpset(model);
  const graph = { ...model.graph, initializers: [...model.graph.initializers] };
  const known = new Set(graph.initializers.map((t) => t.name));
  for (const t of extraInitializers) {
    if (known.has(t.name)) {
      throw new AivmError('E_ONNX_INVALID', `weight '${t.name}' is defined both in the model and in the weights file`);
    }
    known.add(t.name);
    graph.initializers.push(t);
  }
  const ordered = topoSort(graph);

  const constants = new Map<string, IrConstant>();
  for (const t of graph.initializers) constants.set(t.name, constantFromOnnx(t, `initializer '${t.name}'`));

  // Tensor-valued attributes become constants under names no graph value uses (node
  // names need not be unique in ONNX, so '<node>::<attr>' alone could collide).
  const taken = new Set<string>([...graph.inputs.map((v) => v.name), ...known]);
  for (const n of ordered) for (const v of [...n.inputs, ...n.outputs]) taken.add(v);
  const freshName = (base: string): string => {
    let name = base;
    for (let k = 1; taken.has(name) || constants.has(name); k++) name = `${base}#${k}`;
    return name;
  };
  // What an older op version's adapter adds (lib/ir/op-versions.ts): constants and intermediate values.
  const adapt: AdaptContext = {
    opset,
    constant: (base, c) => {
      const name = freshName(base);
      constants.set(name, c);
      return name;
    },
    value: (base) => {
      const name = freshName(base);
      taken.add(name);
      return name;
    },
  };

  const supported = new Set<string>([...engineOps, ...GRAPH_LEVEL_OPS]);
  // Subgraph values get names no other value of the model has (IrSubgraph): `rename` maps a
  // name as a scope sees it to its IR name; the main graph's names stay as they are.
  for (const n of ordered) for (const s of subgraphsOf(n)) collectNames(s.graph, taken);
  const irNames = new Set<string>([...graph.inputs.map((v) => v.name), ...known]);
  for (const n of ordered) for (const o of n.outputs) if (o !== '') irNames.add(o);
  const define = (rename: Map<string, string>, name: string): string => {
    const unique = irNames.has(name) || constants.has(name) ? freshName(name) : name;
    irNames.add(unique);
    taken.add(unique);
    rename.set(name, unique);
    return unique;
  };
  const convertSubgraph = (g: OnnxGraph, outer: Map<string, string>, where: string, prefix: string): IrSubgraph => {
    const local = new Map(outer);
    const inputs = g.inputs.map((v) => define(local, v.name));
    for (const t of g.initializers) constants.set(define(local, t.name), constantFromOnnx(t, `${where} initializer '${t.name}'`));
    const order = topoSort(g, new Set(outer.keys()));
    for (const n of order) for (const o of n.outputs) if (o !== '') define(local, o);
    return { inputs, outputs: g.outputs.map((v) => local.get(v.name) ?? v.name), nodes: convertNodes(order, local, prefix) };
  };
  const convertNodes = (order: OnnxNode[], rename: Map<string, string>, prefix: string): IrNode[] => {
    const out: IrNode[] = [];
    order.forEach((n, index) => {
    const name = n.name || `${prefix}${n.opType}#${index}`;
    if (n.domain !== '' && n.domain !== 'ai.onnx') {
      throw new AivmError('E_UNSUPPORTED_OP', `node '${name}': op ${n.domain}.${n.opType} is not supported (only the ai.onnx domain is)`);
    }
    if (!supported.has(n.opType)) {
      throw new AivmError('E_UNSUPPORTED_OP', `node '${name}': op ${n.opType} is not supported by engine ${engineOps.length ? '' : '(no ops) '}` +
        `(supported: ${[...supported].sort().join(', ')})`);
    }
    const attrs: Record<string, IrAttr> = {};
    for (const [key, a] of n.attributes) {
      attrs[key] = a.kind === 'graph' ? { graph: convertSubgraph(a.value, rename, `node '${name}' attribute '${key}'`, `${name}/${key}/`) }
        : convertAttr(a, name, key, constants, freshName);
    }
    const mapped = (v: string) => (v === '' ? '' : rename.get(v) ?? v);
    const node: IrNode = { name, op: n.opType, inputs: n.inputs.map(mapped), outputs: n.outputs.map(mapped), attrs };
    const adapted = adaptNode(node, opset, adapt);
    if (n.opType === 'Constant') {
      if (n.outputs.length !== 1) throw new AivmError('E_ONNX_INVALID', `node '${name}': Constant must have one output`);
      constants.set(node.outputs[0], constantFromAttrs(attrs, constants, name));
      // The tensor attribute was stored under a fresh name; keep only the output's name.
      for (const a of Object.values(attrs)) if (isConstantRef(a)) constants.delete(a.constant);
      return;
    }
    out.push(...adapted);
    });
    return out;
  };
  // The main graph's values, as every subgraph sees them (under their own names).
  const nodes = convertNodes(ordered, new Map([...irNames].map((v) => [v, v])), '');

  const inputs: IrValueSpec[] = [];
  for (const vi of graph.inputs) {
    if (constants.has(vi.name)) continue; // an initializer listed as input (older exporters): a constant
    if (!vi.dtype || !DTypes.includes(vi.dtype as DType)) {
      throw new AivmError('E_ONNX_INVALID', `graph input '${vi.name}' has element type ${vi.dtype ?? 'unknown'}; the engine takes ${DTypes.join(', ')}`);
    }
    if (!vi.shape) throw new AivmError('E_ONNX_INVALID', `graph input '${vi.name}' has no shape`);
    const shape = vi.shape.map((d, i) => (d === null ? `${vi.name}_dim${i}` : d));
    inputs.push({ name: vi.name, dtype: vi.dtype as DType, shape });
  }
  const outputs = graph.outputs.map((o) => o.name);
  return { opset, inputs, outputs, nodes, constants };
}

/** Every value name a graph and its subgraphs define or read (so fresh names avoid them all). */
function collectNames(g: OnnxGraph, into: Set<string>): void {
  for (const v of [...g.inputs, ...g.outputs]) into.add(v.name);
  for (const t of g.initializers) into.add(t.name);
  for (const n of g.nodes) {
    for (const v of [...n.inputs, ...n.outputs]) if (v !== '') into.add(v);
    for (const s of subgraphsOf(n)) collectNames(s.graph, into);
  }
}

function defaultOpset(model: OnnxModel): number {
  let opset: number | undefined;
  for (const imp of model.opsetImports) {
    if (imp.domain === '' || imp.domain === 'ai.onnx') opset = imp.version;
  }
  if (opset === undefined) throw new AivmError('E_UNSUPPORTED_OPSET', 'the model imports no ai.onnx opset');
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new AivmError('E_UNSUPPORTED_OPSET', `ai.onnx opset ${opset} is not supported (supported: ${MIN_OPSET} to ${MAX_OPSET}; re-export the model with one of these)`);
  }
  return opset;
}

function convertAttr(a: OnnxAttr, node: string, key: string, constants: Map<string, IrConstant>,
  freshName: (base: string) => string): IrAttr {
  switch (a.kind) {
    case 'int': return a.value;
    case 'float': return a.value;
    case 'string': return a.value;
    case 'ints': return a.value;
    case 'floats': return a.value;
    case 'strings': return a.value;
    case 'tensor': {
      const name = freshName(`${node}::${key}`);
      constants.set(name, constantFromOnnx(a.value, `node '${node}' attribute '${key}'`));
      return { constant: name };
    }
    default:
      throw new AivmError('E_ATTR', `node '${node}': attribute '${key}' is a ${a.kind}, which the loader does not support`);
  }
}

/** Constant's value may be given as a tensor or as one of the value_* scalar/list attributes. */
function constantFromAttrs(attrs: Record<string, IrAttr>, constants: Map<string, IrConstant>, node: string): IrConstant {
  const keys = Object.keys(attrs);
  if (keys.length !== 1) throw new AivmError('E_ONNX_INVALID', `node '${node}': Constant needs exactly one value attribute, got ${keys.length}`);
  const key = keys[0];
  const v = attrs[key];
  const bad = (kind: string): never => {
    throw new AivmError('E_ATTR', `node '${node}': Constant attribute '${key}' must be ${kind}`);
  };
  switch (key) {
    case 'value':
      if (!isConstantRef(v) || !constants.has(v.constant)) return bad('a tensor');
      return constants.get(v.constant)!;
    case 'value_float':
      if (typeof v !== 'number') return bad('a float');
      return { dtype: 'float32', shape: [], data: Float32Array.of(v) };
    case 'value_floats':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) return bad('a list of floats');
      return { dtype: 'float32', shape: [v.length], data: Float32Array.from(v as number[]) };
    case 'value_int':
      if (typeof v !== 'bigint') return bad('an int');
      return { dtype: 'int64', shape: [], data: BigInt64Array.of(v) };
    case 'value_ints':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'bigint')) return bad('a list of ints');
      return { dtype: 'int64', shape: [v.length], data: BigInt64Array.from(v as bigint[]) };
    default:
      throw new AivmError('E_UNSUPPORTED_OP', `node '${node}': Constant attribute '${key}' is not supported`);
  }
}

export function constantFromOnnx(t: OnnxTensor, what: string): IrConstant {
  if (!DTypes.includes(t.dtype as DType)) {
    throw new AivmError('E_DTYPE', `${what} has element type ${onnxTypeName(t.onnxType)}; the engine takes ${DTypes.join(', ')}`);
  }
  const dtype = t.dtype as DType;
  return { dtype, shape: [...t.dims], data: typedFromBytes(dtype, t.data) };
}

/**
 * Little-endian element bytes as a typed array: a view when the bytes are aligned
 * for the element type (the ONNX decoder hands out fresh buffers), else a copy
 * (safetensors data may sit at any offset). Large weights are then held twice at
 * most while loading: these bytes and the packed SharedArrayBuffer.
 */
export function typedFromBytes(dtype: DType, bytes: Uint8Array): TypedArray {
  const size = dtypeSize(dtype);
  if (bytes.byteOffset % size === 0 && bytes.byteLength % size === 0) {
    return typedView(dtype, bytes.buffer, bytes.byteOffset, bytes.byteLength / size);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return typedView(dtype, copy.buffer, 0, bytes.byteLength / size);
}

