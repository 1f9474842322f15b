// The engine self-test: every op on inputs from the counter-based generator
// (core/rng.h), over many shapes including odd ones. Its per-op hashes must be
// the same for every ISA, thread count and machine; test/golden pins them.
// Each op family contributes its cases from native/engine/selftest_<family>.cc.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "aivm/attrs.h"
#include "aivm/engine.h"
#include "aivm/hash.h"
#include "ops/op_list.h"

namespace aivm {

struct SelftestCase {
  std::string op;
  std::vector<Tensor> inputs;
  std::vector<bool> omitted;  // same length as inputs when some are omitted (ONNX optional), else empty
  Attrs attrs;
};
using CaseList = std::vector<SelftestCase>;

// ---- Input generators (all pure functions of their arguments) ----------------
// Uniform floats in [lo, hi) on a 2^-23-relative grid.
Tensor st_uniform(const Shape& shape, uint64_t stream, float lo = -1.0f, float hi = 1.0f);
// Like st_uniform, but about 1 element in 16 is a special value: ±0, ±inf, NaN,
// a subnormal, ±FLT_MAX, ±FLT_MIN, or a large/small magnitude.
Tensor st_special(const Shape& shape, uint64_t stream);
// Uniform integers in [lo, hi].
Tensor st_ints(DType dtype, const Shape& shape, uint64_t stream, int64_t lo, int64_t hi);
Tensor st_bools(const Shape& shape, uint64_t stream);
Tensor st_i64_values(const std::vector<int64_t>& values);  // 1-D int64 tensor
Tensor st_f32_values(const Shape& shape, const std::vector<float>& values);

// Attribute helpers.
AttrValue attr_int(int64_t v);
AttrValue attr_float(float v);
AttrValue attr_string(const std::string& v);
AttrValue attr_ints(const std::vector<int64_t>& v);

// ---- Families -----------------------------------------------------------------
// One case list per op family (native/engine/selftest_<family>.cc), declared
// from op_list.h's family list. Every op has cases, except those the list puts
// outside the self-test (test_engine: every_op_has_a_contract_and_selftest_cases).
#define AIVM_DECLARE_SELFTEST_CASES_(family) void selftest_cases_##family(CaseList& out);
AIVM_OP_FAMILIES(AIVM_DECLARE_SELFTEST_CASES_)
#undef AIVM_DECLARE_SELFTEST_CASES_

// All cases, in a fixed order.
CaseList selftest_cases();

struct SelftestResult {
  std::string isa;
  int threads = 1;
  std::vector<std::pair<std::string, std::string>> ops;  // op name -> 0x hash, sorted by name
  std::string total;                                      // hash over the per-op hashes
  int cases = 0;
};

// Per op: keccak256 of the canonical encoding of every output of every case of
// that op, in case order. Total: keccak256 of the concatenated 32-byte per-op
// hashes in op-name order. Throws if a case fails.
SelftestResult run_selftest(Engine& engine, Isa isa, int threads);

}  // namespace aivm
