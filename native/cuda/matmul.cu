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
  // infer validated the shapes. A 1-D A is [1, K], a 1-D B is [K, 1] (numpy).
  const Shape& as = ctx.input(0).shape;
  const Shape& bs = ctx.input(1).shape;
  const bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  const int64_t K = as.back();
  const int64_t M = a_vec ? 1 : as[as.size() - 2];
  const int64_t N = b_vec ? 1 : bs.back();
  const Shape batch_a = a_vec ? Shape{} : Shape(as.begin(), as.end() - 2);
  const Shape batch_b = b_vec ? Shape{} : Shape(bs.begin(), bs.end() - 2);
  const Shape batch = broadcast_shapes(ctx.op, batch_a, batch_b);
  Staging s(ctx, out);
  const int64_t n = out[0].numel();  // batch * M * N
  if (n > 0) {
    const int64_t* off_a = s.upload(batch_offsets(batch_a, batch, M * K));
    const int64_t* off_b = s.upload(batch_offsets(batch_b, batch, K * N));
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
  // infer validated shapes and attributes (transA/transB are 0 or 1).
  const bool trans_a = ctx.attrs.get_int(ctx.op, "transA", 0) == 1;
  const bool trans_b = ctx.attrs.get_int(ctx.op, "transB", 0) == 1;
  const float alpha = ctx.attrs.get_float(ctx.op, "alpha", 1.0f);
  const float beta = ctx.attrs.get_float(ctx.op, "beta", 1.0f);
  const Shape& as = ctx.input(0).shape;
  const int64_t M = trans_a ? as[1] : as[0];
  const int64_t K = trans_a ? as[0] : as[1];
  const int64_t N = out[0].shape[1];
  // C as [rows, cols] after left-padding with 1s; a dim of 1 broadcasts (stride 0).
  const Tensor* ct = ctx.optional(2);
  int64_t c_rs = 0, c_cs = 0;
  if (ct) {
    Shape cs = ct->shape;
    while (cs.size() < 2) cs.insert(cs.begin(), 1);
    c_rs = cs[0] == 1 ? 0 : cs[1];
    c_cs = cs[1] == 1 ? 0 : 1;
  }
  Staging s(ctx, out);
  const float* pc = ct ? s.in<float>(2) : nullptr;
  launch(ctx.op, M * N, gemm_kernel, s.in<float>(0), trans_a ? int64_t(1) : K, trans_a ? M : int64_t(1),
         s.in<float>(1), trans_b ? int64_t(1) : N, trans_b ? K : int64_t(1), pc, c_rs, c_cs, s.out<float>(0), N, K,
         alpha, beta);
  s.finish();
}

}  // namespace

void register_matmul(ComputeMap& m) {
  m["MatMul"] = compute_matmul;
  m["Gemm"] = compute_gemm;
}

}  // namespace aivm::cuda
