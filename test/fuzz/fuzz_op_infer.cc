// libFuzzer target: every op's shape inference with fuzzed inputs and attributes,
// and its compute where the shapes are small. The input picks an op from the
// op list, an input count around its arity, each input's dtype and shape
// (small dims, sometimes hostile ones: negative, 2^31, 2^63-1) with data for the
// inputs infer reads, and attributes named from the op's own list (sometimes
// not) with fuzzed kinds and values (empty and long lists, extreme ints, NaN).
// infer_op must answer or throw an aivm::Error; where every input has data and
// the outputs are at most kComputeBytes, the op runs on scalar x1 and on the
// widest ISA x2, and the two output hashes must be equal.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ops/op.h"
#include "fuzz_common.h"

namespace {

using aivm::AttrValue;
using aivm::DType;
using aivm::Tensor;

constexpr int64_t kComputeBytes = 64 << 10;  // outputs of one op run
constexpr int64_t kDataElements = 1024;      // inputs this small get data

int64_t fuzz_int(FuzzedDataProvider& in) {
  static const int64_t kMagic[] = {
      0, 1, -1, 2, -2, 3, 4, 7, 8, 16, 255, 256, 65535, 65536, 65537, (int64_t(1) << 31) - 1, int64_t(1) << 31,
      -(int64_t(1) << 31), int64_t(1) << 32, int64_t(1) << 34, (int64_t(1) << 34) + 1, int64_t(1) << 62,
      std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min() + 1};
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: return in.PickValueInArray(kMagic);
    case 1: return in.ConsumeIntegral<int64_t>();
    default: return in.ConsumeIntegralInRange<int64_t>(-3, 8);
  }
}

float fuzz_float(FuzzedDataProvider& in) {
  static const float kMagic[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 1e-5f, 1e-45f, 3.4e38f, -3.4e38f,
                                 std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                                 std::numeric_limits<float>::quiet_NaN()};
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: return in.PickValueInArray(kMagic);
    case 1: {
      uint32_t bits = in.ConsumeIntegral<uint32_t>();
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    default: return float(in.ConsumeIntegralInRange<int>(-8, 8)) * 0.5f;
  }
}

std::string fuzz_string(FuzzedDataProvider& in) {
  static const char* kWords[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "none", "tanh",
                                 "LEFT", "RIGHT", "up", "down", "nearest", ""};
  if (in.ConsumeBool()) return in.PickValueInArray(kWords);
  return in.ConsumeRandomLengthString(24);
}

size_t list_length(FuzzedDataProvider& in) {
  // Mostly short; sometimes long enough to pass every rank and kernel dimension.
  return in.ConsumeIntegralInRange<int>(0, 15) == 0 ? in.ConsumeIntegralInRange<size_t>(9, 300)
                                                     : in.ConsumeIntegralInRange<size_t>(0, 8);
}

AttrValue fuzz_attr(FuzzedDataProvider& in) {
  AttrValue a;
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: a.kind = AttrValue::Kind::INT; a.i = fuzz_int(in); break;
    case 1: a.kind = AttrValue::Kind::FLOAT; a.f = fuzz_float(in); break;
    case 2: a.kind = AttrValue::Kind::STRING; a.s = fuzz_string(in); break;
    case 3: {
      a.kind = AttrValue::Kind::INTS;
      size_t n = list_length(in);
      for (size_t i = 0; i < n; ++i) a.ints.push_back(fuzz_int(in));
      break;
    }
    default: {
      a.kind = AttrValue::Kind::FLOATS;
      size_t n = list_length(in);
      for (size_t i = 0; i < n; ++i) a.floats.push_back(fuzz_float(in));
      break;
    }
  }
  return a;
}

// One input tensor. Storage is owned by the Tensor; data stays null where the
// shape is too large to fill (then only infer can run, which reads no data
// outside the op's data inputs).
Tensor fuzz_tensor(FuzzedDataProvider& in, bool is_data_input) {
  // Mostly the dtypes ops compute on; the others (every width) reach each op's dtype checks.
  static const DType kTypes[] = {DType::F32, DType::F32, DType::I64, DType::I32, DType::BOOL,
                                 DType::U8,  DType::F16, DType::F64, DType::U64, DType::I16,
                                 DType::F64, DType::F8E4M3FN, DType::F8E5M2, DType::F8E8M0};
  Tensor t;
  t.dtype = is_data_input && in.ConsumeIntegralInRange<int>(0, 7) != 0 ? DType::I64 : in.PickValueInArray(kTypes);
  int rank = in.ConsumeIntegralInRange<int>(0, 31) == 0 ? in.ConsumeIntegralInRange<int>(5, 9)
                                                         : in.ConsumeIntegralInRange<int>(0, 4);
  for (int d = 0; d < rank; ++d) {
    t.shape.push_back(in.ConsumeIntegralInRange<int>(0, 31) == 0 ? fuzz_int(in) : in.ConsumeIntegralInRange<int64_t>(0, 6));
  }
  // Data only for shapes whose non-zero dims are small (an empty tensor with a
  // huge dim is a hostile shape: infer must refuse it, not us).
  int64_t nonzero = 1;
  bool empty = false;
  for (int64_t d : t.shape) {
    if (d < 0 || (d != 0 && nonzero > kDataElements / d)) return t;
    empty = empty || d == 0;
    nonzero *= d == 0 ? 1 : d;
  }
  if (t.shape.size() > size_t(aivm::kMaxRank)) return t;
  const int64_t numel = empty ? 0 : nonzero;
  t = aivm::make_tensor(t.dtype, t.shape, "fuzz");
  for (int64_t i = 0; i < numel; ++i) {
    switch (t.dtype) {
      case DType::F32: t.ptr<float>()[i] = fuzz_float(in); break;
      case DType::I32: t.ptr<int32_t>()[i] = int32_t(is_data_input ? fuzz_int(in) : in.ConsumeIntegralInRange<int>(-4, 9)); break;
      case DType::I64: t.ptr<int64_t>()[i] = is_data_input ? fuzz_int(in) : in.ConsumeIntegralInRange<int64_t>(-4, 9); break;
      case DType::BOOL: t.ptr<uint8_t>()[i] = in.ConsumeIntegralInRange<int>(0, 15) == 0 ? in.ConsumeIntegral<uint8_t>() : in.ConsumeBool(); break;
      default: in.ConsumeData(t.ptr<uint8_t>() + size_t(i) * aivm::dtype_size(t.dtype), aivm::dtype_size(t.dtype)); break;
    }
  }
  return t;
}

aivm::Engine& engine() {
  static aivm::Engine e;
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  static const std::vector<std::string> ops = aivm::op_names();
  const std::string& op = ops[in.ConsumeIntegralInRange<size_t>(0, ops.size() - 1)];
  aivm::OpId id;
  if (!aivm::find_op(op, &id)) return 0;
  const aivm::OpContract& kernel = aivm::op_contract(id);

  // Around the op's arity (Concat's 1024 capped at 6), sometimes one off.
  int lo = std::max(0, kernel.min_inputs - 1), hi = std::min(kernel.max_inputs, 6) + 1;
  int n_inputs = in.ConsumeIntegralInRange<int>(0, 7) == 0 ? in.ConsumeIntegralInRange<int>(lo, hi)
                                                            : in.ConsumeIntegralInRange<int>(kernel.min_inputs, std::min(kernel.max_inputs, 6));
  std::vector<Tensor> tensors(static_cast<size_t>(n_inputs));
  std::vector<const Tensor*> inputs;
  bool all_data = true;
  for (int i = 0; i < n_inputs; ++i) {
    bool is_data = std::find(kernel.data_inputs.begin(), kernel.data_inputs.end(), i) != kernel.data_inputs.end();
    if (i >= kernel.min_inputs && in.ConsumeIntegralInRange<int>(0, 3) == 0) {
      inputs.push_back(nullptr);  // an omitted optional input
      continue;
    }
    tensors[size_t(i)] = fuzz_tensor(in, is_data);
    all_data = all_data && tensors[size_t(i)].data != nullptr;
    inputs.push_back(&tensors[size_t(i)]);
  }

  aivm::Attrs attrs;
  int n_attrs = in.ConsumeIntegralInRange<int>(0, 4);
  for (int k = 0; k < n_attrs; ++k) {
    std::string name = kernel.attrs.empty() || in.ConsumeIntegralInRange<int>(0, 15) == 0
                           ? in.ConsumeRandomLengthString(8)
                           : kernel.attrs[in.ConsumeIntegralInRange<size_t>(0, kernel.attrs.size() - 1)];
    attrs.set(name, fuzz_attr(in));
  }

  std::vector<aivm::TensorSpec> specs;
  if (!aivm_fuzz::accepted("infer", [&] { specs = aivm::infer_op(op, inputs, attrs); })) return 0;
  if (!all_data) return 0;
  int64_t bytes = 0;
  for (const aivm::TensorSpec& s : specs) {
    int64_t n = 1;
    for (int64_t d : s.shape) {
      if (d < 0 || (d != 0 && n > kComputeBytes / d)) return 0;  // run_op would refuse or it is too big to bother
      n *= d;
    }
    bytes += n * int64_t(aivm::dtype_size(s.dtype));
    if (bytes > kComputeBytes) return 0;
  }
  std::string reference;
  if (!aivm_fuzz::accepted("compute (scalar)", [&] {
        reference = aivm_fuzz::hash_of(engine().run_op(op, inputs, attrs, aivm::Isa::SCALAR, 1, kComputeBytes));
      })) {
    return 0;
  }
  // Scalar ran, so the wide ISA must run too, and agree bit for bit.
  aivm::Isa wide = aivm_fuzz::widest_cpu_isa();
  std::string got;
  try {
    got = aivm_fuzz::hash_of(engine().run_op(op, inputs, attrs, wide, 2, kComputeBytes));
  } catch (const std::exception& e) {
    aivm_fuzz::finding(op + ": ran on scalar but not on " + aivm::isa_name(wide) + ": " + e.what());
  }
  if (got != reference) {
    aivm_fuzz::finding(op + ": output hash differs: scalar x1 " + reference + ", " + aivm::isa_name(wide) + " x2 " + got);
  }
  return 0;
}
