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
export type IrAttr = AttrValue | string[] | { constant: string };

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
