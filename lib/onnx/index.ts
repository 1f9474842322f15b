// ONNX loader: protobuf decoding (wire.ts, schema.ts), tensors (tensor.ts), models (model.ts)
// and a deterministic topological order with the graph's name checks (graph.ts).

export { parseOnnxModel, describeNode } from './model';
export { parseOnnxTensor, dtypeOfOnnxType, onnxTypeOfDtype, onnxTypeName, checkExternalLocation, externalSlice, MAX_RANK, MAX_DIM } from './tensor';
export { nodeReads, outerNames, subgraphsOf, topoSort } from './graph';
export { MAX_DEPTH } from './wire';
export type { OnnxModel, OnnxGraph, OnnxNode, OnnxAttr, OnnxTensor, OnnxValueInfo, ParseOptions } from './types';
