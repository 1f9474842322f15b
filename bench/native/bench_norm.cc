// Softmax and LayerNormalization throughput on a 4096 x 1024 float32 tensor,
// for every available ISA at 1 and 2 threads. One JSON line per measurement:
// GB/s = (bytes read + bytes written by the op) / best time of several runs.
// Times are of Engine::run_op, so they include the output allocation (which
// zero-fills the output: one more write pass than the op itself needs).
//   bench_norm [rows] [cols] [runs]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "aivm/engine.h"
#include "core/rng.h"

using namespace aivm;

namespace {

Tensor random_tensor(const Shape& shape, uint64_t stream, float scale) {
  Tensor t = make_tensor(DType::F32, shape);
  float* p = t.ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng_f32(1, stream, uint64_t(i)) * scale;
  return t;
}

double best_seconds(Engine& e, const std::string& op, const std::vector<const Tensor*>& in, const Attrs& attrs,
                    Isa isa, int threads, int runs) {
  e.run_op(op, in, attrs, isa, threads);  // warm-up (thread pool, page faults)
  double best = 1e30;
  for (int r = 0; r < runs; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Tensor> out = e.run_op(op, in, attrs, isa, threads);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s < best) best = s;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 4096;
  const int64_t cols = argc > 2 ? std::atoll(argv[2]) : 1024;
  const int runs = argc > 3 ? std::atoi(argv[3]) : 7;
  Engine engine;
  Tensor x = random_tensor({rows, cols}, 1, 4.0f);
  Tensor scale = random_tensor({cols}, 2, 1.0f);
  Tensor bias = random_tensor({cols}, 3, 1.0f);
  const double xbytes = double(rows * cols) * 4;
  const double softmax_bytes = 2 * xbytes;                           // read X, write Y
  const double ln_bytes = 2 * xbytes + 2.0 * cols * 4 + 2.0 * rows * 4;  // + Scale, B, Mean, InvStdDev
  Attrs none;
  for (Isa isa : available_isas()) {
    for (int threads : {1, 2}) {
      double s = best_seconds(engine, "Softmax", {&x}, none, isa, threads, runs);
      std::printf("{\"op\":\"Softmax\",\"shape\":[%lld,%lld],\"isa\":\"%s\",\"threads\":%d,\"ms\":%.3f,\"gbps\":%.2f}\n",
                  (long long)rows, (long long)cols, isa_name(isa), threads, s * 1e3, softmax_bytes / s / 1e9);
      double l = best_seconds(engine, "LayerNormalization", {&x, &scale, &bias}, none, isa, threads, runs);
      std::printf(
          "{\"op\":\"LayerNormalization\",\"shape\":[%lld,%lld],\"isa\":\"%s\",\"threads\":%d,\"ms\":%.3f,\"gbps\":%.2f}\n",
          (long long)rows, (long long)cols, isa_name(isa), threads, l * 1e3, ln_bytes / l / 1e9);
      std::fflush(stdout);
    }
  }
  return 0;
}
