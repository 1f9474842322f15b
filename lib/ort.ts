// '@aivm/native/ort': onnxruntime-node's names over the engine (lib/runtime/inference-session.ts).
// Code written for onnxruntime-node ports by changing its import:
//   import { InferenceSession, Tensor } from '@aivm/native/ort';
export { InferenceSession, Tensor, type SessionOptions } from './runtime/inference-session';
