// Op attributes, as ONNX has them: int, float, string, ints, floats.
// Getters check the type and name the op and attribute in every error.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace aivm {

struct AttrValue {
  enum class Kind { INT, FLOAT, STRING, INTS, FLOATS };
  Kind kind = Kind::INT;
  int64_t i = 0;
  float f = 0.0f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
};

const char* attr_kind_name(AttrValue::Kind kind);

class Attrs {
 public:
  void set(const std::string& name, AttrValue value) { values_[name] = std::move(value); }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::map<std::string, AttrValue>& all() const { return values_; }

  int64_t get_int(const char* op, const char* name, int64_t fallback) const;
  int64_t require_int(const char* op, const char* name) const;
  float get_float(const char* op, const char* name, float fallback) const;
  std::string get_string(const char* op, const char* name, const std::string& fallback) const;
  // Returns fallback when absent; "present" is set when the caller needs to know.
  std::vector<int64_t> get_ints(const char* op, const char* name,
                                const std::vector<int64_t>& fallback, bool* present = nullptr) const;
  std::vector<float> get_floats(const char* op, const char* name,
                                const std::vector<float>& fallback) const;

 private:
  const AttrValue* find(const char* op, const char* name, AttrValue::Kind kind) const;
  std::map<std::string, AttrValue> values_;
};

}  // namespace aivm
