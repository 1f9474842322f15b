// Contracts of MatMul and Gemm; their computes: native/cpu/ops/matmul.cc,
// native/cuda/matmul.cu (docs/numerics/matmul.md).
#include "ops/matmul.h"

#include <string>

#include "ops/common.h"
#include "ops/families.h"

namespace aivm::ops {

// Validates A and B (float32, rank >= 1, equal K, broadcastable batches).
static MatMulDims matmul_dims(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "A");
  require_dtype(ctx, 1, DType::F32, "B");
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  require_rank(ctx, 0, 1, kMaxRank, "A");
  require_rank(ctx, 1, 1, kMaxRank, "B");
  MatMulDims d;
  d.a_vec = a.rank() == 1;
  d.b_vec = b.rank() == 1;
  d.K = a.shape.back();
  d.M = d.a_vec ? 1 : a.shape[size_t(a.rank() - 2)];
  const int64_t kb = d.b_vec ? b.shape[0] : b.shape[size_t(b.rank() - 2)];
  d.N = d.b_vec ? 1 : b.shape.back();
  if (kb != d.K) {
    fail(ErrorCode::E_SHAPE, ctx.op, "inner dimensions differ: A " + shape_str(a.shape) + " has K = " +
                                         std::to_string(d.K) + " but B " + shape_str(b.shape) + " has K = " +
                                         std::to_string(kb));
  }
  if (!d.a_vec) d.batch_a.assign(a.shape.begin(), a.shape.end() - 2);
  if (!d.b_vec) d.batch_b.assign(b.shape.begin(), b.shape.end() - 2);
  d.batch = broadcast_shapes(ctx.op, d.batch_a, d.batch_b);
  d.out = d.batch;
  if (!d.a_vec) d.out.push_back(d.M);
  if (!d.b_vec) d.out.push_back(d.N);
  return d;
}

static std::vector<OutputSpec> infer_matmul(const OpContext& ctx) {
  MatMulDims d = matmul_dims(ctx);
  checked_numel(d.out, ctx.op, "output");
  ctx.keep(d);
  return {{DType::F32, d.out}};
}

namespace {

bool trans_attr(const OpContext& ctx, const char* name) {
  int64_t v = ctx.attrs.get_int(ctx.op, name, 0);
  if (v != 0 && v != 1) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute ") + name + " must be 0 or 1, got " + std::to_string(v));
  }
  return v == 1;
}

}  // namespace

// Validates A, B, the optional C and the attributes.
static GemmDims gemm_dims(const OpContext& ctx) {
  require_dtype(ctx, 0, DType::F32, "A");
  require_dtype(ctx, 1, DType::F32, "B");
  require_rank(ctx, 0, 2, 2, "A");
  require_rank(ctx, 1, 2, 2, "B");
  GemmDims d;
  d.trans_a = trans_attr(ctx, "transA");
  d.trans_b = trans_attr(ctx, "transB");
  d.alpha = ctx.attrs.get_float(ctx.op, "alpha", 1.0f);
  d.beta = ctx.attrs.get_float(ctx.op, "beta", 1.0f);
  const Shape& a = ctx.input(0).shape;
  const Shape& b = ctx.input(1).shape;
  d.M = d.trans_a ? a[1] : a[0];
  d.K = d.trans_a ? a[0] : a[1];
  const int64_t kb = d.trans_b ? b[1] : b[0];
  d.N = d.trans_b ? b[0] : b[1];
  if (kb != d.K) {
    fail(ErrorCode::E_SHAPE, ctx.op, "inner dimensions differ: op(A) is [" + std::to_string(d.M) + "," +
                                         std::to_string(d.K) + "] (A " + shape_str(a) + ", transA=" +
                                         std::to_string(int(d.trans_a)) + ") but op(B) has K = " +
                                         std::to_string(kb) + " (B " + shape_str(b) + ", transB=" +
                                         std::to_string(int(d.trans_b)) + ")");
  }
  const Tensor* c = ctx.optional(2);
  if (c) {
    require_dtype(ctx, 2, DType::F32, "C");
    require_rank(ctx, 2, 0, 2, "C");
    Shape cs = c->shape;
    while (cs.size() < 2) cs.insert(cs.begin(), 1);
    if ((cs[0] != 1 && cs[0] != d.M) || (cs[1] != 1 && cs[1] != d.N)) {
      fail(ErrorCode::E_SHAPE, ctx.op, "input 2 (C) of shape " + shape_str(c->shape) +
                                           " cannot be broadcast to the output [" + std::to_string(d.M) + "," +
                                           std::to_string(d.N) + "]");
    }
    d.has_c = true;
    d.c_rs = cs[0] == 1 ? 0 : cs[1];
    d.c_cs = cs[1] == 1 ? 0 : 1;
  }
  return d;
}

static std::vector<OutputSpec> infer_gemm(const OpContext& ctx) {
  GemmDims d = gemm_dims(ctx);
  ctx.keep(d);
  return {{DType::F32, {d.M, d.N}}};
}

void add_matmul_contracts(ContractTable& t) {
  t.add(OpId::MatMul, {2, 2, {}, infer_matmul});
  t.add(OpId::Gemm, {2, 3, {"transA", "transB", "alpha", "beta"}, infer_gemm});
}

}  // namespace aivm::ops
