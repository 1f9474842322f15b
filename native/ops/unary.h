// Parameters of the unary ops that their computes share with the contract.
#pragma once
#include "ops/op.h"

namespace aivm::ops {

// What the unary contracts keep for compute (ops/op.h Params).
struct LeakyReluParams {
  float alpha;
};
struct GeluParams {
  bool tanh;  // approximate = "tanh" (else "none": the erf form)
};
struct HardSigmoidParams {
  float alpha, beta;
};
struct IsInfParams {
  bool negative, positive;  // detect_negative, detect_positive
};

}  // namespace aivm::ops
