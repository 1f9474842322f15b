#include "tools/program_file.h"

#include <cstring>

#include "aivm/error.h"

namespace aivm {
namespace {

// Counts above these are refused before anything is allocated for them.
constexpr uint32_t kMaxCount = 1u << 20;

class Reader {
 public:
  explicit Reader(const std::vector<uint8_t>& b) : b_(b) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::E_ARG, "program file: " + what + " (at byte " + std::to_string(pos_) + " of " +
                                      std::to_string(b_.size()) + ")");
  }
  const uint8_t* take(uint64_t n, const char* what) {
    if (n > b_.size() - pos_) fail(std::string("truncated in ") + what);
    const uint8_t* p = b_.data() + pos_;
    pos_ += size_t(n);
    return p;
  }
  template <class T> T num(const char* what) {
    T v;
    std::memcpy(&v, take(sizeof(T), what), sizeof(T));
    return v;
  }
  uint32_t count(const char* what) {
    uint32_t n = num<uint32_t>(what);
    if (n > kMaxCount) fail(std::string(what) + " count " + std::to_string(n) + " is over the limit");
    return n;
  }
  std::string str(const char* what) {
    uint32_t n = num<uint32_t>(what);
    const uint8_t* p = take(n, what);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  bool done() const { return pos_ == b_.size(); }

 private:
  const std::vector<uint8_t>& b_;
  size_t pos_ = 0;
};

// The code is the dtype's ONNX tag (aivm/dtype.h).
DType dtype_from_code(Reader& r, uint8_t code) {
  DType t;
  if (!dtype_from_tag(code, &t)) r.fail("unknown dtype code " + std::to_string(code));
  return t;
}

// A tensor with its own copy of the bytes, after checking they fit the value's spec.
Tensor read_tensor(Reader& r, const ProgramSpec& spec, const char* what, int* id_out) {
  uint32_t id = r.num<uint32_t>(what);
  if (id >= spec.values.size()) r.fail(std::string(what) + " value id " + std::to_string(id) + " out of range");
  uint64_t n = r.num<uint64_t>(what);
  const TensorSpec& s = spec.values[id];
  int64_t numel = checked_numel(s.shape, "program file", what);
  if (n != uint64_t(numel) * dtype_size(s.dtype)) r.fail(std::string(what) + " byte count does not match its value's shape");
  const uint8_t* p = r.take(n, what);
  Tensor t = make_tensor(s.dtype, s.shape, "program file");
  if (n) std::memcpy(t.data, p, size_t(n));
  *id_out = int(id);
  return t;
}

}  // namespace

ProgramFile read_program_file(const std::vector<uint8_t>& bytes) {
  Reader r(bytes);
  ProgramFile f;
  if (std::memcmp(r.take(8, "magic"), "AIVMPRG1", 8) != 0) r.fail("not a program file (magic)");
  uint32_t nv = r.count("values");
  for (uint32_t i = 0; i < nv; ++i) {
    TensorSpec s;
    s.dtype = dtype_from_code(r, r.num<uint8_t>("value dtype"));
    uint8_t rank = r.num<uint8_t>("value rank");
    if (rank > kMaxRank) r.fail("value rank " + std::to_string(rank) + " is over " + std::to_string(kMaxRank));
    for (uint8_t d = 0; d < rank; ++d) s.shape.push_back(r.num<int64_t>("value dims"));
    checked_numel(s.shape, "program file", "value " + std::to_string(i));
    f.spec.values.push_back(s);
  }
  uint32_t nc = r.count("constants");
  for (uint32_t i = 0; i < nc; ++i) {
    int id = -1;
    Tensor t = read_tensor(r, f.spec, "constant", &id);
    f.spec.constants.emplace_back(id, std::move(t));
  }
  uint32_t ni = r.count("inputs");
  for (uint32_t i = 0; i < ni; ++i) {
    int id = -1;
    f.inputs.push_back(read_tensor(r, f.spec, "input", &id));
    f.spec.inputs.push_back(id);
  }
  uint32_t no = r.count("outputs");
  for (uint32_t i = 0; i < no; ++i) f.spec.outputs.push_back(int(r.num<uint32_t>("output id")));
  uint32_t nn = r.count("nodes");
  for (uint32_t i = 0; i < nn; ++i) {
    ProgramNode node;
    node.name = r.str("node name");
    node.op = r.str("node op");
    for (auto* list : {&node.inputs, &node.outputs}) {
      uint32_t k = r.count("node ids");
      for (uint32_t j = 0; j < k; ++j) list->push_back(r.num<int32_t>("node id"));
    }
    uint32_t na = r.count("attributes");
    for (uint32_t j = 0; j < na; ++j) {
      std::string name = r.str("attribute name");
      AttrValue a;
      uint8_t kind = r.num<uint8_t>("attribute kind");
      switch (kind) {
        case 0: a.kind = AttrValue::Kind::INT; a.i = r.num<int64_t>("int attribute"); break;
        case 1: a.kind = AttrValue::Kind::FLOAT; a.f = r.num<float>("float attribute"); break;
        case 2: a.kind = AttrValue::Kind::STRING; a.s = r.str("string attribute"); break;
        case 3: {
          a.kind = AttrValue::Kind::INTS;
          uint32_t k = r.count("ints attribute");
          for (uint32_t m = 0; m < k; ++m) a.ints.push_back(r.num<int64_t>("ints attribute"));
          break;
        }
        case 4: {
          a.kind = AttrValue::Kind::FLOATS;
          uint32_t k = r.count("floats attribute");
          for (uint32_t m = 0; m < k; ++m) a.floats.push_back(r.num<float>("floats attribute"));
          break;
        }
        default: r.fail("unknown attribute kind " + std::to_string(kind));
      }
      node.attrs.set(name, std::move(a));
    }
    f.spec.nodes.push_back(std::move(node));
  }
  f.expected_hash = r.str("expected hash");
  f.kernel = r.str("kernel name");
  f.vector = r.str("vector name");
  if (!r.done()) r.fail("trailing bytes");
  return f;
}

}  // namespace aivm
