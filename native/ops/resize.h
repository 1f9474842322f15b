// Resize's plan, made once by the contract (native/ops/resize.cc) from the
// attributes and the roi/scales/sizes inputs, kept for the CPU (cpu/ops/resize.cc)
// and CUDA (cuda/resize.cu) computes (ops/op.h Params).
#pragma once
#include <cstdint>
#include <vector>

#include "ops/op.h"

namespace aivm::ops {

enum class ResizeMode { NEAREST, LINEAR, CUBIC };

// One input axis: for each output coordinate o, `taps` input indices and float32
// weights at [o * taps, (o + 1) * taps) (nearest: one index, weight unused), and
// whether o lies outside the input (tf_crop_and_resize: the extrapolation value).
struct ResizeAxis {
  int taps = 1;
  std::vector<int64_t> index;
  std::vector<float> weight;
  std::vector<uint8_t> outside;
};

struct ResizePlan {
  ResizeMode mode = ResizeMode::NEAREST;
  float extrapolation = 0.0f;
  std::vector<ResizeAxis> axes;  // one per input axis
};

}  // namespace aivm::ops
