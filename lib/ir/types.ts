// The project's intermediate representation of a model: a checked, topologically
// ordered op list plus named constants. It is built once per kernel from ONNX
// (build.ts), shared with every worker (pack.ts), and lowered to a native
// Program for concrete input shapes (lower.ts).
import type { AttrValue } from '../binding';
import type { DataOf, DType } from '../tensor';

export type TypedArray = DataOf[DType];

export interface IrConstant {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

/** An attribute as the engine takes it, or a reference to an IR constant (tensor-valued attributes). */
/** string[]: a strings attribute (RNN/GRU/LSTM activations), read by the loader's bodies only. */
/** { graph }: a subgraph (If's branches, Loop's and Scan's bodies). */
export type IrAttr = AttrValue | string[] | { constant: string } | { graph: IrSubgraph };

/**
 * A subgraph in the IR. Every value name in an IR is unique across the main graph and all
 * its subgraphs (buildIr renames subgraph values that would shadow another), so a subgraph
 * node's input names either a value of the subgraph, one of an enclosing graph, or an IR
 * constant (the subgraph's initializers and Constant nodes live in IrGraph.constants).
 */
export interface IrSubgraph {
  /** Formal inputs (Loop's iteration number and condition, carried values; none for If). */
  inputs: string[];
  outputs: string[];
  /** Topological order. */
  nodes: IrNode[];
}

export const isConstantRef = (a: IrAttr): a is { constant: string } => typeof a === 'object' && a !== null && !Array.isArray(a) && 'constant' in a;
export const isGraphAttr = (a: IrAttr): a is { graph: IrSubgraph } => typeof a === 'object' && a !== null && !Array.isArray(a) && 'graph' in a;

export interface IrNode {
  /** The ONNX node name, or `<op>#<index>` when the file gave none. */
  name: string;
  op: string;
  /** Value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, IrAttr>;
}

export interface IrValueSpec {
  name: string;
  dtype: DType;
  /** Concrete sizes or symbolic names (a batch dimension, for example). */
  shape: (number | string)[];
}

export interface IrGraph {
  /** The ai.onnx opset the model was written against. */
  opset: number;
  /** Runtime inputs (graph inputs that are not initializers), in file order. */
  inputs: IrValueSpec[];
  /** Graph output names, in file order. */
  outputs: string[];
  /** Topological order (stable: file order where the file was already ordered). */
  nodes: IrNode[];
  constants: Map<string, IrConstant>;
}
