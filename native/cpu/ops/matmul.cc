// MatMul (numpy semantics, broadcast batch dims) and Gemm (ONNX: transA,
// transB, alpha, beta, optional broadcast C). Both run on the blocked GEMM of
// cpu/gemm.h: every output is one fma chain over k in increasing order from -0,
// so tile sizes, SIMD width, threads and batch size cannot change a bit
// (docs/numerics/matmul.md).
#include <cstdint>
#include <string>
#include <vector>

#include "cpu/gemm.h"
#include "cpu/op_common.h"
#include "cpu/op_families.h"
#include "math/fma.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// ---- MatMul -------------------------------------------------------------------

struct MatMulDims {
  bool a_vec = false, b_vec = false;  // 1-D operands (numpy: promoted, then the dim removed)
  int64_t M = 1, K = 0, N = 1;
  Shape batch_a, batch_b, batch;  // batch dims of A, B and their broadcast
  Shape out;
};

MatMulDims matmul_dims(const OpContext& ctx) {
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

std::vector<OutputSpec> infer_matmul(const OpContext& ctx) {
  MatMulDims d = matmul_dims(ctx);
  checked_numel(d.out, ctx.op, "output");
  return {{DType::F32, d.out}};
}

void compute_matmul(const OpContext& ctx, std::vector<Tensor>& out) {
  MatMulDims d = matmul_dims(ctx);
  const float* pa = ctx.input(0).ptr<float>();
  const float* pb = ctx.input(1).ptr<float>();
  float* py = out[0].ptr<float>();
  const int64_t M = d.M, N = d.N, K = d.K;
  const int64_t batch = dims_product(d.batch, 0, int(d.batch.size()));
  const int64_t batch_a = dims_product(d.batch_a, 0, int(d.batch_a.size()));
  const int64_t batch_b = dims_product(d.batch_b, 0, int(d.batch_b.size()));
  if (batch == 0 || M == 0 || N == 0) return;

  if (batch_b == 1 && batch_a == batch) {
    // B is one matrix and A's batches are contiguous: one GEMM of (batch*M) rows.
    // Each output is still its own chain, so this is bit-identical to per-batch runs.
    const int64_t rows = batch * M;
    gemm::run_batched(ctx, 1, rows, N, K, [&](int64_t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
      gemm::gemm_block(m0, m1, n0, n1, K, gemm::StridedA{pa, K, 1}, gemm::StridedB{pb, N, 1}, py, N, ctx.control);
    });
    return;
  }
  std::vector<int64_t> off_a = batch_offsets(d.batch_a, d.batch, M * K);
  std::vector<int64_t> off_b = batch_offsets(d.batch_b, d.batch, K * N);
  gemm::run_batched(ctx, batch, M, N, K, [&](int64_t b, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    gemm::gemm_block(m0, m1, n0, n1, K, gemm::StridedA{pa + off_a[size_t(b)], K, 1},
                     gemm::StridedB{pb + off_b[size_t(b)], N, 1}, py + b * M * N, N, ctx.control);
  });
}

// ---- Gemm ---------------------------------------------------------------------

struct GemmDims {
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  int64_t M = 0, K = 0, N = 0;
  bool has_c = false;
  int64_t c_rs = 0, c_cs = 0;  // strides of C viewed as broadcast to [M, N]
};

bool trans_attr(const OpContext& ctx, const char* name) {
  int64_t v = ctx.attrs.get_int(ctx.op, name, 0);
  if (v != 0 && v != 1) {
    fail(ErrorCode::E_ATTR, ctx.op, std::string("attribute ") + name + " must be 0 or 1, got " + std::to_string(v));
  }
  return v == 1;
}

GemmDims gemm_dims(const OpContext& ctx) {
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

std::vector<OutputSpec> infer_gemm(const OpContext& ctx) {
  GemmDims d = gemm_dims(ctx);
  return {{DType::F32, {d.M, d.N}}};
}

void compute_gemm(const OpContext& ctx, std::vector<Tensor>& out) {
  GemmDims d = gemm_dims(ctx);
  const float* pa = ctx.input(0).ptr<float>();
  const float* pb = ctx.input(1).ptr<float>();
  const float* pc = d.has_c ? ctx.optional(2)->ptr<float>() : nullptr;
  float* py = out[0].ptr<float>();
  const int64_t M = d.M, N = d.N, K = d.K;
  // op(A)(i,k) and op(B)(k,j) as strided views of the stored matrices.
  const gemm::StridedA sa = d.trans_a ? gemm::StridedA{pa, 1, M} : gemm::StridedA{pa, K, 1};
  const gemm::StridedB sb = d.trans_b ? gemm::StridedB{pb, 1, K} : gemm::StridedB{pb, N, 1};
  const float alpha = d.alpha, beta = d.beta;
  const int64_t c_rs = d.c_rs, c_cs = d.c_cs;
  gemm::run_batched(ctx, 1, M, N, K, [&](int64_t, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    gemm::gemm_block(m0, m1, n0, n1, K, sa, sb, py, N, ctx.control);
    // Epilogue on this block: Y = alpha*acc, then Y = fma(beta, C, Y).
    for (int64_t i = m0; i < m1; ++i) {
      float* y = py + i * N;
      for (int64_t j = n0; j < n1; ++j) y[j] = alpha * y[j];
      if (pc) {
        const float* c = pc + i * c_rs;
        if (c_cs == 1) {
          for (int64_t j = n0; j < n1; ++j) y[j] = math::fma_f32(beta, c[j], y[j]);
        } else {
          const float cv = c[0];
          for (int64_t j = n0; j < n1; ++j) y[j] = math::fma_f32(beta, cv, y[j]);
        }
      }
    }
  });
}

}  // namespace

void register_matmul(OpTable& t) {
  t.add({"MatMul", 2, 2, {}, infer_matmul, compute_matmul});
  t.add({"Gemm", 2, 3, {"transA", "transB", "alpha", "beta"}, infer_gemm, compute_gemm});
}

}  // namespace aivm::cpu::AIVM_ISA_NS
