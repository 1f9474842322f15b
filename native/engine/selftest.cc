#include "engine/selftest.h"

#include <algorithm>
#include <cfloat>
#include <cstring>
#include <map>

#include "core/rng.h"

namespace aivm {

// Seed of every self-test input; part of the self-test's definition.
constexpr uint64_t kSelftestSeed = 0x41495648u;  // "AIVH"

Tensor st_uniform(const Shape& shape, uint64_t stream, float lo, float hi) {
  Tensor t = make_tensor(DType::F32, shape, "selftest");
  float* p = t.ptr<float>();
  float half = (hi - lo) * 0.5f, mid = lo + half;
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = mid + half * rng_f32(kSelftestSeed, stream, uint64_t(i));
  return t;
}

Tensor st_special(const Shape& shape, uint64_t stream) {
  static const uint32_t kSpecials[] = {
      0x00000000u, 0x80000000u,  // +0, -0
      0x7F800000u, 0xFF800000u,  // +inf, -inf
      0x7FC00000u, 0xFFC00001u,  // NaNs (one with a payload and the sign set)
      0x00000001u, 0x80400000u,  // subnormals
      0x7F7FFFFFu, 0xFF7FFFFFu,  // ±FLT_MAX
      0x00800000u, 0x80800000u,  // ±FLT_MIN
      0x42C80000u, 0xC2C80000u,  // ±100
      0x3A83126Fu, 0xBA83126Fu,  // ±0.001
  };
  Tensor t = make_tensor(DType::F32, shape, "selftest");
  float* p = t.ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    uint64_t r = rng_u64(kSelftestSeed, stream, uint64_t(i));
    if ((r & 15) == 0) {
      uint32_t bits = kSpecials[(r >> 4) % (sizeof(kSpecials) / 4)];
      std::memcpy(&p[i], &bits, 4);
    } else {
      p[i] = 4.0f * rng_f32(kSelftestSeed, stream ^ 0x5555, uint64_t(i));
    }
  }
  return t;
}

Tensor st_ints(DType dtype, const Shape& shape, uint64_t stream, int64_t lo, int64_t hi) {
  Tensor t = make_tensor(dtype, shape, "selftest");
  uint64_t span = uint64_t(hi) - uint64_t(lo) + 1;  // wraps to 0 for the full int64 range
  for (int64_t i = 0; i < t.numel(); ++i) {
    uint64_t r = rng_u64(kSelftestSeed, stream, uint64_t(i));
    int64_t v = int64_t(uint64_t(lo) + (span ? r % span : r));
    if (dtype == DType::I64) t.ptr<int64_t>()[i] = v;
    else if (dtype == DType::I32) t.ptr<int32_t>()[i] = int32_t(v);
    else if (dtype == DType::BOOL) t.ptr<uint8_t>()[i] = uint8_t(v != 0);
    else t.ptr<float>()[i] = float(v);
  }
  return t;
}

Tensor st_bools(const Shape& shape, uint64_t stream) { return st_ints(DType::BOOL, shape, stream, 0, 1); }

Tensor st_i64_values(const std::vector<int64_t>& values) {
  Tensor t = make_tensor(DType::I64, {int64_t(values.size())}, "selftest");
  if (!values.empty()) std::memcpy(t.data, values.data(), values.size() * 8);
  return t;
}

Tensor st_f32_values(const Shape& shape, const std::vector<float>& values) {
  Tensor t = make_tensor(DType::F32, shape, "selftest");
  size_t n = std::min(values.size(), size_t(t.numel()));
  if (n) std::memcpy(t.data, values.data(), n * 4);
  return t;
}

AttrValue attr_int(int64_t v) {
  AttrValue a;
  a.kind = AttrValue::Kind::INT;
  a.i = v;
  return a;
}
AttrValue attr_float(float v) {
  AttrValue a;
  a.kind = AttrValue::Kind::FLOAT;
  a.f = v;
  return a;
}
AttrValue attr_string(const std::string& v) {
  AttrValue a;
  a.kind = AttrValue::Kind::STRING;
  a.s = v;
  return a;
}
AttrValue attr_ints(const std::vector<int64_t>& v) {
  AttrValue a;
  a.kind = AttrValue::Kind::INTS;
  a.ints = v;
  return a;
}

CaseList selftest_cases() {
  // Families in op_list.h's order. Each op's hash covers its own cases in their
  // order within the family file, so the family order changes no hash.
  CaseList all;
#define AIVM_ADD_SELFTEST_CASES_(family) selftest_cases_##family(all);
  AIVM_OP_FAMILIES(AIVM_ADD_SELFTEST_CASES_)
#undef AIVM_ADD_SELFTEST_CASES_
  return all;
}

SelftestResult run_selftest(Engine& engine, Isa isa, int threads) {
  CaseList cases = selftest_cases();
  // Outputs of every case, grouped by op in case order.
  std::map<std::string, std::vector<Tensor>> outputs;
  for (const SelftestCase& c : cases) {
    std::vector<const Tensor*> inputs;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      bool omitted = i < c.omitted.size() && c.omitted[i];
      inputs.push_back(omitted ? nullptr : &c.inputs[i]);
    }
    std::vector<Tensor> out = engine.run_op(c.op, inputs, c.attrs, isa, threads);
    auto& bucket = outputs[c.op];
    for (auto& t : out) bucket.push_back(std::move(t));
  }
  SelftestResult r;
  r.isa = isa_name(isa);
  r.threads = threads;
  r.cases = int(cases.size());
  std::vector<uint8_t> all_hashes;
  for (const auto& kv : outputs) {  // std::map: sorted by op name
    std::vector<const Tensor*> ptrs;
    for (const auto& t : kv.second) ptrs.push_back(&t);
    Hash32 h = hash_tensors(ptrs);
    r.ops.emplace_back(kv.first, hex(h));
    all_hashes.insert(all_hashes.end(), h.begin(), h.end());
  }
  r.total = hex(keccak256(all_hashes.data(), all_hashes.size()));
  return r;
}

}  // namespace aivm
