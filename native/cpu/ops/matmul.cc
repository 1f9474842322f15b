// Computes of MatMul (numpy semantics, broadcast batch dims) and Gemm (ONNX: transA,
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
#include "ops/matmul.h"

namespace aivm::cpu::AIVM_ISA_NS {
namespace {

// ---- MatMul -------------------------------------------------------------------

void compute_matmul(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::MatMulDims& d = ctx.params_as<ops::MatMulDims>();
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

void compute_gemm(const OpContext& ctx, std::vector<Tensor>& out) {
  const ops::GemmDims& d = ctx.params_as<ops::GemmDims>();
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

void add_matmul_computes(ComputeTable& t) {
  t.add(OpId::MatMul, compute_matmul);
  t.add(OpId::Gemm, compute_gemm);
}

}  // namespace aivm::cpu::AIVM_ISA_NS
