// bench_gemm: MatMul / Conv throughput per ISA against the measured FMA peak of
// this core. Prints one JSON object per line. Usage: bench_gemm [--quick]
//   {"bench":"fma_peak","isa":"avx512","threads":1,"gflops":...}
//   {"bench":"matmul","isa":"avx512","threads":1,"n":1024,"gflops":...,"pct_peak":...}
//   {"bench":"conv3x3","isa":"avx2","threads":1,"shape":"1x64x56x56->64","gflops":...}
// Each number is the best of several repetitions (least disturbed by the OS).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "aivm/engine.h"
#include "core/rng.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define BENCH_X86 1
#endif

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

#ifdef BENCH_X86
// A tight loop of independent FMAs: 16 chains of 16 lanes (enough to cover the
// latency x throughput of any current core; the sums at the end keep every
// chain live, and strict fp flags keep the compiler from folding them). Returns GFLOP/s (2 flops per lane).
__attribute__((target("avx512f"))) double peak_avx512(long iters) {
  __m512 acc[16];
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  double t0 = now_s();
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  double t = now_s() - t0;
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return double(iters) * 16 * 16 * 2 / t * 1e-9;
}

__attribute__((target("avx2,fma"))) double peak_avx2(long iters) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(float(i) * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  double t0 = now_s();
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  double t = now_s() - t0;
  __m256 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  volatile float sink = out[0];
  (void)sink;
  return double(iters) * 12 * 8 * 2 / t * 1e-9;
}
#endif

aivm::Tensor filled(const aivm::Shape& shape, uint64_t stream) {
  aivm::Tensor t = aivm::make_tensor(aivm::DType::F32, shape);
  float* p = t.ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = aivm::rng_f32(7, stream, uint64_t(i));
  return t;
}

// Best time of `reps` runs (at least min_time seconds in total).
double best_time(aivm::Engine& e, const std::string& op, const std::vector<const aivm::Tensor*>& in,
                 const aivm::Attrs& attrs, aivm::Isa isa, int threads, int reps, double min_time) {
  e.run_op(op, in, attrs, isa, threads);  // warm up: scratch, page faults, thread start
  double best = 1e30, total = 0;
  for (int r = 0; r < reps || total < min_time; ++r) {
    double t0 = now_s();
    e.run_op(op, in, attrs, isa, threads);
    double t = now_s() - t0;
    best = std::min(best, t);
    total += t;
    if (r > 1000) break;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  double peak512 = 0, peak2 = 0;
#ifdef BENCH_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    for (int r = 0; r < 200; ++r) peak512 = std::max(peak512, peak_avx512(200000));
    std::printf("{\"bench\":\"fma_peak\",\"isa\":\"avx512\",\"threads\":1,\"gflops\":%.1f}\n", peak512);
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    for (int r = 0; r < 200; ++r) peak2 = std::max(peak2, peak_avx2(200000));
    std::printf("{\"bench\":\"fma_peak\",\"isa\":\"avx2\",\"threads\":1,\"gflops\":%.1f}\n", peak2);
  }
#endif
  std::fflush(stdout);
  aivm::Engine engine;
  auto peak_of = [&](aivm::Isa isa) {
    return isa == aivm::Isa::AVX512 ? peak512 : isa == aivm::Isa::AVX2 ? peak2 : 0.0;
  };
  auto report = [&](const char* bench, aivm::Isa isa, int threads, const std::string& size, double flops,
                    double t) {
    double gf = flops / t * 1e-9;
    double pk = peak_of(isa) * threads;
    std::printf("{\"bench\":\"%s\",\"isa\":\"%s\",\"threads\":%d,%s,\"ms\":%.3f,\"gflops\":%.1f", bench,
                aivm::isa_name(isa), threads, size.c_str(), t * 1e3, gf);
    if (pk > 0) std::printf(",\"pct_peak\":%.1f", 100.0 * gf / pk);
    std::printf("}\n");
    std::fflush(stdout);
  };
  std::vector<int64_t> sizes = quick ? std::vector<int64_t>{256, 1024} : std::vector<int64_t>{256, 512, 1024, 2048};
  for (aivm::Isa isa : aivm::available_isas()) {
    bool scalar = isa == aivm::Isa::SCALAR;
    for (int64_t n : sizes) {
      if (scalar && n > 512) continue;  // software fma: ~5 ns per fma
      aivm::Tensor a = filled({n, n}, 1), b = filled({n, n}, 2);
      int reps = n >= 2048 ? 3 : n >= 1024 ? 5 : 10;
      if (scalar) reps = 1;
      double t = best_time(engine, "MatMul", {&a, &b}, {}, isa, 1, reps, scalar ? 0.0 : 0.3);
      report("matmul", isa, 1, "\"n\":" + std::to_string(n), 2.0 * double(n) * n * n, t);
    }
    if (!scalar) {
      const int64_t n = 1024;
      aivm::Tensor a = filled({n, n}, 1), b = filled({n, n}, 2);
      double t = best_time(engine, "MatMul", {&a, &b}, {}, isa, 2, 5, 0.3);
      report("matmul", isa, 2, "\"n\":" + std::to_string(n), 2.0 * double(n) * n * n, t);
    }
    // Conv 3x3, 1x64x56x56 -> 64 channels, pad 1, stride 1.
    aivm::Tensor x = filled({1, 64, 56, 56}, 3), w = filled({64, 64, 3, 3}, 4), bias = filled({64}, 5);
    aivm::Attrs attrs;
    aivm::AttrValue pads;
    pads.kind = aivm::AttrValue::Kind::INTS;
    pads.ints = {1, 1, 1, 1};
    attrs.set("pads", pads);
    const double conv_flops = 2.0 * 64 * 64 * 9 * 56 * 56;
    for (int threads : {1, 2}) {
      if (scalar && threads == 2) continue;
      try {
        double t = best_time(engine, "Conv", {&x, &w, &bias}, attrs, isa, threads, scalar ? 1 : 10,
                             scalar ? 0.0 : 0.3);
        report("conv3x3", isa, threads, "\"shape\":\"1x64x56x56->64\"", conv_flops, t);
      } catch (const std::exception& e) {
        std::printf("{\"bench\":\"conv3x3\",\"isa\":\"%s\",\"error\":\"%s\"}\n", aivm::isa_name(isa), e.what());
      }
    }
  }
  return 0;
}
