// The subset of onnx.proto that the loader reads, as a decoder schema.
// Field numbers and wire types follow the ONNX IR spec (onnx/onnx.proto). Fields not listed
// are skipped by wire type; 'opaque' fields are recognised (so their presence is known)
// but not decoded; 'refuse' fields make the model E_ONNX_INVALID because ignoring them
// would silently change its meaning.

import type { Schema } from './wire';

export const ONNX_SCHEMA: Schema = {
  ModelProto: {
    1: { name: 'ir_version', kind: 'int64' },
    2: { name: 'producer_name', kind: 'string' },
    3: { name: 'producer_version', kind: 'string' },
    4: { name: 'domain', kind: 'string' },
    5: { name: 'model_version', kind: 'int64' },
    6: { name: 'doc_string', kind: 'string' },
    7: { name: 'graph', kind: 'message', message: 'GraphProto' },
    8: { name: 'opset_import', kind: 'message', message: 'OperatorSetIdProto', repeated: true },
    14: { name: 'metadata_props', kind: 'message', message: 'StringStringEntryProto', repeated: true },
    20: { name: 'training_info', kind: 'opaque', repeated: true },
    25: { name: 'functions', kind: 'opaque', repeated: true },
  },
  OperatorSetIdProto: {
    1: { name: 'domain', kind: 'string' },
    2: { name: 'version', kind: 'int64' },
  },
  StringStringEntryProto: {
    1: { name: 'key', kind: 'string' },
    2: { name: 'value', kind: 'string' },
  },
  GraphProto: {
    1: { name: 'node', kind: 'message', message: 'NodeProto', repeated: true },
    2: { name: 'name', kind: 'string' },
    5: { name: 'initializer', kind: 'message', message: 'TensorProto', repeated: true },
    10: { name: 'doc_string', kind: 'string' },
    11: { name: 'input', kind: 'message', message: 'ValueInfoProto', repeated: true },
    12: { name: 'output', kind: 'message', message: 'ValueInfoProto', repeated: true },
    13: { name: 'value_info', kind: 'message', message: 'ValueInfoProto', repeated: true },
    14: { name: 'quantization_annotation', kind: 'opaque', repeated: true },
    15: {
      name: 'sparse_initializer',
      kind: 'opaque',
      repeated: true,
      refuse: 'sparse initializers are not supported',
    },
    16: { name: 'metadata_props', kind: 'message', message: 'StringStringEntryProto', repeated: true },
  },
  NodeProto: {
    1: { name: 'input', kind: 'string', repeated: true },
    2: { name: 'output', kind: 'string', repeated: true },
    3: { name: 'name', kind: 'string' },
    4: { name: 'op_type', kind: 'string' },
    5: { name: 'attribute', kind: 'message', message: 'AttributeProto', repeated: true },
    6: { name: 'doc_string', kind: 'string' },
    7: { name: 'domain', kind: 'string' },
    8: { name: 'overload', kind: 'string' },
    9: { name: 'metadata_props', kind: 'message', message: 'StringStringEntryProto', repeated: true },
    10: { name: 'device_configurations', kind: 'opaque', repeated: true },
  },
  AttributeProto: {
    1: { name: 'name', kind: 'string' },
    2: { name: 'f', kind: 'float' },
    3: { name: 'i', kind: 'int64' },
    4: { name: 's', kind: 'bytes' },
    5: { name: 't', kind: 'message', message: 'TensorProto' },
    6: { name: 'g', kind: 'message', message: 'GraphProto' },
    7: { name: 'floats', kind: 'float', repeated: true },
    8: { name: 'ints', kind: 'int64', repeated: true },
    9: { name: 'strings', kind: 'bytes', repeated: true },
    10: { name: 'tensors', kind: 'opaque', repeated: true },
    11: { name: 'graphs', kind: 'message', message: 'GraphProto', repeated: true },
    13: { name: 'doc_string', kind: 'string' },
    14: { name: 'tp', kind: 'opaque' },
    15: { name: 'type_protos', kind: 'opaque', repeated: true },
    20: { name: 'type', kind: 'int32' },
    21: { name: 'ref_attr_name', kind: 'string' },
    22: { name: 'sparse_tensor', kind: 'opaque' },
    23: { name: 'sparse_tensors', kind: 'opaque', repeated: true },
  },
  ValueInfoProto: {
    1: { name: 'name', kind: 'string' },
    2: { name: 'type', kind: 'message', message: 'TypeProto' },
    3: { name: 'doc_string', kind: 'string' },
    4: { name: 'metadata_props', kind: 'message', message: 'StringStringEntryProto', repeated: true },
  },
  TypeProto: {
    1: { name: 'tensor_type', kind: 'message', message: 'TypeProto.Tensor', oneof: 'value' },
    4: { name: 'sequence_type', kind: 'opaque', oneof: 'value' },
    5: { name: 'map_type', kind: 'opaque', oneof: 'value' },
    6: { name: 'denotation', kind: 'string' },
    8: { name: 'sparse_tensor_type', kind: 'opaque', oneof: 'value' },
    9: { name: 'optional_type', kind: 'opaque', oneof: 'value' },
  },
  'TypeProto.Tensor': {
    1: { name: 'elem_type', kind: 'int32' },
    2: { name: 'shape', kind: 'message', message: 'TensorShapeProto' },
  },
  TensorShapeProto: {
    1: { name: 'dim', kind: 'message', message: 'TensorShapeProto.Dimension', repeated: true },
  },
  'TensorShapeProto.Dimension': {
    1: { name: 'dim_value', kind: 'int64', oneof: 'value' },
    2: { name: 'dim_param', kind: 'string', oneof: 'value' },
    3: { name: 'denotation', kind: 'string' },
  },
  TensorProto: {
    1: { name: 'dims', kind: 'int64', repeated: true },
    2: { name: 'data_type', kind: 'int32' },
    3: { name: 'segment', kind: 'opaque', refuse: 'segmented tensors are not supported' },
    4: { name: 'float_data', kind: 'float-bytes', repeated: true },
    5: { name: 'int32_data', kind: 'int32', repeated: true },
    6: { name: 'string_data', kind: 'bytes', repeated: true },
    7: { name: 'int64_data', kind: 'int64', repeated: true },
    8: { name: 'name', kind: 'string' },
    9: { name: 'raw_data', kind: 'bytes' },
    10: { name: 'double_data', kind: 'double-bytes', repeated: true },
    11: { name: 'uint64_data', kind: 'uint64', repeated: true },
    12: { name: 'doc_string', kind: 'string' },
    13: { name: 'external_data', kind: 'message', message: 'StringStringEntryProto', repeated: true },
    14: { name: 'data_location', kind: 'int32' },
    16: { name: 'metadata_props', kind: 'message', message: 'StringStringEntryProto', repeated: true },
  },
};

// Shapes of the decoded messages (what decodeMessageBytes returns for this schema).
export interface RawEntry {
  key?: string;
  value?: string;
}
export interface RawTensor {
  dims?: bigint[];
  data_type?: number;
  float_data?: Uint8Array[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: bigint[];
  name?: string;
  raw_data?: Uint8Array;
  double_data?: Uint8Array[];
  uint64_data?: bigint[];
  external_data?: RawEntry[];
  data_location?: number;
}
export interface RawDim {
  dim_value?: bigint;
  dim_param?: string;
}
export interface RawType {
  tensor_type?: { elem_type?: number; shape?: { dim?: RawDim[] } };
  sequence_type?: true;
  map_type?: true;
  sparse_tensor_type?: true;
  optional_type?: true;
}
export interface RawValueInfo {
  name?: string;
  type?: RawType;
}
export interface RawAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: bigint;
  s?: Uint8Array;
  t?: RawTensor;
  g?: RawGraph;
  floats?: number[];
  ints?: bigint[];
  strings?: Uint8Array[];
  tensors?: true[];
  graphs?: RawGraph[];
  tp?: true;
  type_protos?: true[];
  sparse_tensor?: true;
  sparse_tensors?: true[];
  ref_attr_name?: string;
}
export interface RawNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: RawAttribute[];
}
export interface RawGraph {
  node?: RawNode[];
  name?: string;
  initializer?: RawTensor[];
  input?: RawValueInfo[];
  output?: RawValueInfo[];
  value_info?: RawValueInfo[];
}
export interface RawModel {
  ir_version?: bigint;
  producer_name?: string;
  producer_version?: string;
  graph?: RawGraph;
  opset_import?: { domain?: string; version?: bigint }[];
}
