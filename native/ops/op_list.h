// The one list of the engine's ops. Everything else that names ops derives from
// it: the contract table (native/ops), each backend's compute table (native/cpu,
// native/cuda), the self-test registry, engineInfo().ops, and the checks that
// the gas table and docs/CONFORMANCE.md cover exactly these ops
// (test/unit/op-list.test.ts). docs/ADDING_AN_OP.md says how to add one.
#pragma once

// Op families: one file each in native/ops/, native/cpu/ops/, native/cuda/ and
// native/engine/selftest_<family>.cc. F(family)
#define AIVM_OP_FAMILIES(F) \
  F(unary)                  \
  F(binary)                 \
  F(matmul)                 \
  F(conv)                   \
  F(pool)                   \
  F(normalization)          \
  F(reduce)                 \
  F(shape_ops)              \
  F(indexing)               \
  F(resize)                 \
  F(cast)

// Every op: X(ONNX name, family). The order is the OpId order; it is not part of
// any hash (op lists the engine reports are sorted by name).
#define AIVM_OPS(X)                     \
  X(Neg, unary)                         \
  X(Abs, unary)                         \
  X(Sqrt, unary)                        \
  X(Reciprocal, unary)                  \
  X(Relu, unary)                        \
  X(LeakyRelu, unary)                   \
  X(Sigmoid, unary)                     \
  X(Tanh, unary)                        \
  X(Exp, unary)                         \
  X(Log, unary)                         \
  X(Erf, unary)                         \
  X(Gelu, unary)                        \
  X(Softplus, unary)                    \
  X(Clip, unary)                        \
  X(Not, unary)                         \
  X(Floor, unary)                       \
  X(Ceil, unary)                        \
  X(Round, unary)                       \
  X(Sign, unary)                        \
  X(IsNaN, unary)                       \
  X(IsInf, unary)                       \
  X(HardSigmoid, unary)                 \
  X(HardSwish, unary)                   \
  X(BitwiseNot, unary)                  \
  X(Sin, unary)                         \
  X(Cos, unary)                         \
  X(Tan, unary)                         \
  X(Asin, unary)                        \
  X(Acos, unary)                        \
  X(Atan, unary)                        \
  X(Sinh, unary)                        \
  X(Cosh, unary)                        \
  X(Asinh, unary)                       \
  X(Acosh, unary)                       \
  X(Atanh, unary)                       \
  X(Add, binary)                        \
  X(Sub, binary)                        \
  X(Mul, binary)                        \
  X(Div, binary)                        \
  X(Pow, binary)                        \
  X(Equal, binary)                      \
  X(Less, binary)                       \
  X(Greater, binary)                    \
  X(Where, binary)                      \
  X(PRelu, binary)                      \
  X(GreaterOrEqual, binary)             \
  X(LessOrEqual, binary)                \
  X(And, binary)                        \
  X(Or, binary)                         \
  X(Xor, binary)                        \
  X(Min, binary)                        \
  X(Max, binary)                        \
  X(Sum, binary)                        \
  X(Mean, binary)                       \
  X(Mod, binary)                        \
  X(BitwiseAnd, binary)                 \
  X(BitwiseOr, binary)                  \
  X(BitwiseXor, binary)                 \
  X(BitShift, binary)                   \
  X(MatMul, matmul)                     \
  X(Gemm, matmul)                       \
  X(Conv, conv)                         \
  X(MaxPool, pool)                      \
  X(AveragePool, pool)                  \
  X(GlobalAveragePool, pool)            \
  X(Softmax, normalization)             \
  X(LogSoftmax, normalization)          \
  X(LayerNormalization, normalization)  \
  X(RMSNormalization, normalization)    \
  X(BatchNormalization, normalization)  \
  X(ReduceSum, reduce)                  \
  X(ReduceMean, reduce)                 \
  X(ReduceMax, reduce)                  \
  X(ReduceMin, reduce)                  \
  X(ArgMax, reduce)                     \
  X(ArgMin, reduce)                     \
  X(Transpose, shape_ops)               \
  X(Reshape, shape_ops)                 \
  X(Concat, shape_ops)                  \
  X(Split, shape_ops)                   \
  X(Slice, shape_ops)                   \
  X(Gather, shape_ops)                  \
  X(Expand, shape_ops)                  \
  X(Cast, cast)                         \
  X(BitCast, cast)                      \
  X(Trilu, indexing)                    \
  X(GatherElements, indexing)           \
  X(Pad, indexing)                      \
  X(ScatterElements, indexing)          \
  X(ScatterND, indexing)                \
  X(TensorScatter, indexing)            \
  X(TopK, indexing)                     \
  X(Resize, resize)

// Ops the self-test leaves out. The self-test's total is what a network admits
// nodes by (lib/network/fingerprint.ts), pinned per numerics version
// (test/golden/selftest.json): a case added for any op would change it. So ops
// added after aivm-fp32-v1's total was pinned have no self-test cases until the
// next numerics version; their bits are checked on every ISA and thread count
// by their own native tests and by kernel goldens (docs/ADDING_AN_OP.md).
#define AIVM_OPS_OUTSIDE_SELFTEST(X) \
  X(Expand)                          \
  X(PRelu)                           \
  X(Not)                             \
  X(Floor)                           \
  X(Ceil)                            \
  X(Round)                           \
  X(Sign)                            \
  X(IsNaN)                           \
  X(IsInf)                           \
  X(GreaterOrEqual)                  \
  X(LessOrEqual)                     \
  X(And)                             \
  X(Or)                              \
  X(Xor)                             \
  X(Min)                             \
  X(Max)                             \
  X(Sum)                             \
  X(Mean)                            \
  X(Mod)                             \
  X(Trilu)                           \
  X(GatherElements)                  \
  X(HardSigmoid)                     \
  X(HardSwish)                       \
  X(ArgMax)                          \
  X(ArgMin)                          \
  X(Pad)                             \
  X(ScatterElements)                 \
  X(ScatterND)                       \
  X(TensorScatter)                   \
  X(TopK)                            \
  X(Resize)                          \
  X(RMSNormalization)                \
  X(BitwiseAnd)                      \
  X(BitwiseOr)                       \
  X(BitwiseXor)                      \
  X(BitwiseNot)                      \
  X(Sin)                             \
  X(Cos)                             \
  X(Tan)                             \
  X(Asin)                            \
  X(Acos)                            \
  X(Atan)                            \
  X(Sinh)                            \
  X(Cosh)                            \
  X(Asinh)                           \
  X(Acosh)                           \
  X(Atanh)                           \
  X(BitShift)                        \
  X(BitCast)
