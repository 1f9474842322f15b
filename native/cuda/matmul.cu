// CUDA MatMul and Gemm: one thread per output element, running the whole
// chain of docs/numerics/matmul.md that the CPU's blocked GEMM (cpu/gemm.h)
// runs for it: acc = -0, then acc = fma(A[i,k], B[k,j], acc) for k = 0..K-1 in
// increasing order; K == 0 gives +0. The CPU's tiles, packing and k-blocking
// never change that chain, so no blocking is needed here to match its bits.
#include <cstdint>
#include <vector>

#include "core/shape_util.h"
#include "cuda/device.h"
#include "cuda/ops.h"
#include "ops/matmul.h"

namespace aivm::cuda {
namespace {

// The chain over k of a[k*as] * b[k*bs] (gemm.h: starts at -0, K == 0 is +0).
AIVM_HD float fma_chain(const float* a, int64_t as, const float* b, int64_t bs, int64_t K) {
  if (K == 0) return 0.0f;
  float acc = -0.0f;
  for (int64_t k = 0; k < K; ++k) acc = fma_rn(a[k * as], b[k * bs], acc);
  return acc;
}

// ---- MatMul -------------------------------------------------------------------

// Output i = (batch b, row r, column j); off_a / off_b: element offset of batch
// b's matrix in A / B (numpy batch broadcasting, resolved on the host).
AIVM_KERNEL matmul_kernel(int64_t n, const float* a, const float* b, const int64_t* off_a, const int64_t* off_b,
                          float* y, int64_t M, int64_t N, int64_t K) {
  for (int64_t i = grid_first(); i < n; i += grid_stride()) {
    const int64_t j = i % N, r = (i / N) % M, bt = i / (M * N);
    y[i] = fma_chain(a + off_a[bt] + r * K, 1, b + off_b[bt] + j, N, K);
  }
}

void compute_matmul(const OpContext& ctx, std::vector<Tensor>& out) {
  // The contract's dimensions (ops/matmul.h): a 1-D A is [1, K], a 1-D B is [K, 1] (numpy).
  const ops::MatMulDims& d = ctx.params_as<ops::MatMulDims>();
  const int64_t M = d.M, N = d.N, K = d.K;
  Staging s(ctx, out);
  const int64_t n = out[0].numel();  // batch * M * N
  if (n > 0) {
    const int64_t* off_a = s.upload(batch_offsets(d.batch_a, d.batch, M * K));
    const int64_t* off_b = s.upload(batch_offsets(d.batch_b, d.batch, K * N));
    launch(ctx.op, n, matmul_kernel, s.in<float>(0), s.in<float>(1), off_a, off_b, s.out<float>(0), M, N, K);
  }
  s.finish();
}

// ---- Gemm ---------------------------------------------------------------------

// Y[i,j] = fma(beta, C_b[i,j], alpha * chain) (matmul.cc's epilogue: the multiply
// by alpha always, the fma with C whenever C is given, also for beta == 0).
// op(A)(i,k) = a[i*a_rs + k*a_cs], op(B)(k,j) = b[k*b_rs + j*b_cs],
// C_b(i,j) = c[i*c_rs + j*c_cs] (0 strides on broadcast dims); c null: no C.
AIVM_KERNEL gemm_kernel(int64_t n, const float* a, int64_t a_rs, int64_t a_cs, const float* b, int64_t b_rs,
                        int64_t b_cs, const float* c, int64_t c_rs, int64_t c_cs, float* y, int64_t N, int64_t K,
                        float alpha, float beta) {
  for (int64_t idx = grid_first(); idx < n; idx += grid_stride()) {
    const int64_t i = idx / N, j = idx % N;
    float v = mul_rn(alpha, fma_chain(a + i * a_rs, a_cs, b + j * b_cs, b_rs, K));
    if (c) v = fma_rn(beta, c[i * c_rs + j * c_cs], v);
    y[idx] = v;
  }
}

void compute_gemm(const OpContext& ctx, std::vector<Tensor>& out) {
  // The contract's dimensions and attributes (ops/matmul.h); C's strides are 0
  // on its broadcast dims.
  const ops::GemmDims& d = ctx.params_as<ops::GemmDims>();
  const bool trans_a = d.trans_a, trans_b = d.trans_b;
  const float alpha = d.alpha, beta = d.beta;
  const int64_t M = d.M, K = d.K, N = d.N, c_rs = d.c_rs, c_cs = d.c_cs;
  const Tensor* ct = d.has_c ? ctx.optional(2) : nullptr;
  Staging s(ctx, out);
  const float* pc = ct ? s.in<float>(2) : nullptr;
  launch(ctx.op, M * N, gemm_kernel, s.in<float>(0), trans_a ? int64_t(1) : K, trans_a ? M : int64_t(1),
         s.in<float>(1), trans_b ? int64_t(1) : N, trans_b ? K : int64_t(1), pc, c_rs, c_cs, s.out<float>(0), N, K,
         alpha, beta);
  s.finish();
}

}  // namespace

void add_matmul_computes(ComputeTable& t) {
  t.add(OpId::MatMul, compute_matmul);
  t.add(OpId::Gemm, compute_gemm);
}

}  // namespace aivm::cuda
