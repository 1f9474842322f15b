// The loader's view of an ONNX model: plain data, no protobuf types.

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** As written in the file ('' and 'ai.onnx' both name the default domain). */
  opsetImports: { domain: string; version: number }[];
  graph: OnnxGraph;
}

export interface OnnxGraph {
  name: string;
  /** In file order; topoSort() gives an execution order. */
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  /** '' entries = omitted optional inputs. */
  inputs: string[];
  /** '' entries = omitted optional outputs. */
  outputs: string[];
  attributes: Map<string, OnnxAttr>;
}

/** Attribute values; graph and graphs are subgraphs (If's branches, Loop's and Scan's bodies); tensors and other carry no payload. */
export type OnnxAttr =
  | { kind: 'int'; value: bigint }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: bigint[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: OnnxTensor }
  | { kind: 'graph'; value: OnnxGraph }
  | { kind: 'graphs'; value: OnnxGraph[] }
  | { kind: 'tensors' | 'other' };

export interface OnnxTensor {
  name: string;
  /** TensorProto.DataType code as stored in the file. */
  onnxType: number;
  /** 'float32' | 'int32' | 'int64' | 'bool' (the engine's dtypes), else 'unsupported:<onnxType>'. */
  dtype: string;
  dims: number[];
  /**
   * Raw little-endian element bytes, exactly numel * element size (bool: one byte, 0 or 1).
   * Always a fresh copy starting at offset 0 of its own ArrayBuffer, so typed-array views
   * can be made on it directly. Empty for STRING tensors (their contents are not kept).
   */
  data: Uint8Array;
}

export interface OnnxValueInfo {
  name: string;
  /** Undefined when the value is not a tensor or its element type is not given. */
  dtype?: string;
  /** Undefined when the rank is unknown; entries: dim_value | dim_param | null (unknown). */
  shape?: (number | string | null)[];
}

export interface ParseOptions {
  /**
   * Supplies the bytes of tensors stored outside the model (data_location = EXTERNAL).
   * `location` is a relative path already checked to contain no '..' segment; `length`
   * is undefined when the file gives none (read to the end). Throwing an AivmError
   * propagates it unchanged.
   */
  readExternal?: (location: string, offset: number, length: number | undefined) => Uint8Array;
}
