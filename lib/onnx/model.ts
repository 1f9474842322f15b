// ModelProto bytes -> OnnxModel. Wire-level problems are E_ONNX_CORRUPT (from wire.ts and
// tensor.ts); a model that decodes but breaks ONNX's rules is E_ONNX_INVALID. Graph-wide
// name checks (dangling inputs, duplicates, cycles) are topoSort's job (graph.ts).

import { AivmError } from '../errors';
import {
  ONNX_SCHEMA,
  type RawAttribute,
  type RawGraph,
  type RawModel,
  type RawNode,
  type RawValueInfo,
} from './schema';
import { dtypeOfOnnxType, MAX_DIM, tensorFromProto } from './tensor';
import type { OnnxAttr, OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo, ParseOptions } from './types';
import { decodeMessageBytes } from './wire';

function invalid(msg: string): AivmError {
  return new AivmError('E_ONNX_INVALID', msg);
}

/** Decodes and checks an ONNX model file. Throws only AivmError (E_ONNX_CORRUPT / E_ONNX_INVALID). */
export function parseOnnxModel(bytes: Uint8Array, opts: ParseOptions = {}): OnnxModel {
  const raw = decodeMessageBytes(ONNX_SCHEMA, 'ModelProto', bytes) as RawModel;
  if (raw.graph === undefined) throw invalid('ModelProto.graph (field 7) is missing');
  const opsetImports = (raw.opset_import ?? []).map((o, i) => ({
    domain: o.domain ?? '',
    version: safeNumber(o.version ?? 0n, `ModelProto.opset_import[${i}].version`),
  }));
  return {
    irVersion: safeNumber(raw.ir_version ?? 0n, 'ModelProto.ir_version'),
    producerName: raw.producer_name ?? '',
    producerVersion: raw.producer_version ?? '',
    opsetImports,
    graph: convertGraph(raw.graph, opts, ''),
  };
}

function safeNumber(v: bigint, what: string): number {
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${what} = ${v} is out of range`);
  return Number(v);
}

/** `scope` is '' for the main graph, else where the subgraph sits ("node #3 'if0' (If) attribute 'then_branch': "). */
function convertGraph(g: RawGraph, opts: ParseOptions, scope: string): OnnxGraph {
  return {
    name: g.name ?? '',
    nodes: (g.node ?? []).map((n, i) => convertNode(n, i, opts, scope)),
    initializers: (g.initializer ?? []).map((t, i) => {
      if (!t.name) throw invalid(`${scope}GraphProto.initializer[${i}] has no name`);
      return tensorFromProto(t, `${scope}initializer '${t.name}'`, opts);
    }),
    inputs: (g.input ?? []).map((v, i) => convertValueInfo(v, `${scope}GraphProto.input[${i}]`, true)),
    outputs: (g.output ?? []).map((v, i) => convertValueInfo(v, `${scope}GraphProto.output[${i}]`, true)),
    valueInfo: (g.value_info ?? []).map((v, i) => convertValueInfo(v, `${scope}GraphProto.value_info[${i}]`, false)),
  };
}

/** How a node is named in messages: "node #3 'conv1' (Conv)". */
export function describeNode(node: { name: string; opType: string }, index: number): string {
  return `node #${index}${node.name ? ` '${node.name}'` : ''} (${node.opType || 'no op_type'})`;
}

function convertNode(n: RawNode, index: number, opts: ParseOptions, scope: string): OnnxNode {
  const name = n.name ?? '';
  const opType = n.op_type ?? '';
  const where = scope + describeNode({ name, opType }, index);
  if (opType === '') throw invalid(`${where}: NodeProto.op_type is empty`);
  const attributes = new Map<string, OnnxAttr>();
  for (const a of n.attribute ?? []) {
    const aname = a.name ?? '';
    if (aname === '') throw invalid(`${where}: an attribute has no name`);
    if (attributes.has(aname)) throw invalid(`${where}: attribute '${aname}' appears twice`);
    attributes.set(aname, convertAttribute(a, `${where} attribute '${aname}'`, opts));
  }
  return {
    name,
    opType,
    domain: n.domain ?? '',
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    attributes,
  };
}

// AttributeProto.AttributeType -> the field holding the value and our kind.
const ATTR_TYPES: Readonly<Record<number, [field: keyof RawAttribute, kind: OnnxAttr['kind']]>> = {
  1: ['f', 'float'],
  2: ['i', 'int'],
  3: ['s', 'string'],
  4: ['t', 'tensor'],
  5: ['g', 'graph'],
  6: ['floats', 'floats'],
  7: ['ints', 'ints'],
  8: ['strings', 'strings'],
  9: ['tensors', 'tensors'],
  10: ['graphs', 'graphs'],
  11: ['sparse_tensor', 'other'],
  12: ['sparse_tensors', 'other'],
  13: ['tp', 'other'],
  14: ['type_protos', 'other'],
};

// Attribute bytes are text by convention; malformed UTF-8 becomes U+FFFD (deterministic per WHATWG).
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

function convertAttribute(a: RawAttribute, where: string, opts: ParseOptions): OnnxAttr {
  if (a.ref_attr_name) throw invalid(`${where}: ref_attr_name is only allowed inside functions`);
  let type = a.type ?? 0;
  if (type === 0) {
    // IR version 1 files have no type field: the one value field present decides.
    const present = Object.entries(ATTR_TYPES).filter(([, [field]]) => {
      const v = a[field];
      return v !== undefined && !(Array.isArray(v) && v.length === 0);
    });
    if (present.length !== 1) {
      throw invalid(`${where}: has no type and ${present.length === 0 ? 'no value' : 'several values'}`);
    }
    type = Number(present[0][0]);
  }
  const spec = ATTR_TYPES[type];
  if (spec === undefined) return { kind: 'other' };
  const kind = spec[1];
  switch (kind) {
    case 'float':
      return { kind, value: a.f ?? 0 };
    case 'int':
      return { kind, value: a.i ?? 0n };
    case 'string':
      return { kind, value: a.s === undefined ? '' : lenientUtf8.decode(a.s) };
    case 'floats':
      return { kind, value: a.floats ?? [] };
    case 'ints':
      return { kind, value: a.ints ?? [] };
    case 'strings':
      return { kind, value: (a.strings ?? []).map((s) => lenientUtf8.decode(s)) };
    case 'tensor':
      if (a.t === undefined) throw invalid(`${where}: type is TENSOR but AttributeProto.t is missing`);
      return { kind, value: tensorFromProto(a.t, where, opts) };
    case 'graph':
      if (a.g === undefined) throw invalid(`${where}: type is GRAPH but AttributeProto.g is missing`);
      return { kind, value: convertGraph(a.g, opts, `${where}: `) };
    case 'graphs':
      return { kind, value: (a.graphs ?? []).map((g, i) => convertGraph(g, opts, `${where}[${i}]: `)) };
    default:
      return { kind };
  }
}

function convertValueInfo(v: RawValueInfo, where: string, named: boolean): OnnxValueInfo {
  const name = v.name ?? '';
  if (named && name === '') throw invalid(`${where}: ValueInfoProto.name is empty`);
  const out: OnnxValueInfo = { name };
  const tt = v.type?.tensor_type;
  if (tt === undefined) return out;
  if (tt.elem_type !== undefined && tt.elem_type !== 0) out.dtype = dtypeOfOnnxType(tt.elem_type);
  if (tt.shape !== undefined) {
    out.shape = (tt.shape.dim ?? []).map((d, i) => {
      if (d.dim_value !== undefined) {
        if (d.dim_value < 0n || d.dim_value > BigInt(MAX_DIM)) {
          throw invalid(`'${name}' (${where}): dim ${i} = ${d.dim_value} is out of range 0..${MAX_DIM}`);
        }
        return Number(d.dim_value);
      }
      if (d.dim_param !== undefined && d.dim_param !== '') return d.dim_param;
      return null;
    });
  }
  return out;
}
