#include "aivm/attrs.h"

#include "aivm/error.h"

namespace aivm {

const char* attr_kind_name(AttrValue::Kind kind) {
  switch (kind) {
    case AttrValue::Kind::INT: return "int";
    case AttrValue::Kind::FLOAT: return "float";
    case AttrValue::Kind::STRING: return "string";
    case AttrValue::Kind::INTS: return "int list";
    case AttrValue::Kind::FLOATS: return "float list";
  }
  return "unknown";
}

const AttrValue* Attrs::find(const char* op, const char* name, AttrValue::Kind kind) const {
  auto it = values_.find(name);
  if (it == values_.end()) return nullptr;
  const AttrValue& v = it->second;
  // An int is accepted where a float is expected (JSON and JS do not tell 2 from 2.0).
  if (v.kind == kind || (kind == AttrValue::Kind::FLOAT && v.kind == AttrValue::Kind::INT)) return &v;
  fail(ErrorCode::E_ATTR, op, std::string("attribute '") + name + "' must be " + attr_kind_name(kind) +
                                  ", got " + attr_kind_name(v.kind));
}

int64_t Attrs::get_int(const char* op, const char* name, int64_t fallback) const {
  const AttrValue* v = find(op, name, AttrValue::Kind::INT);
  return v ? v->i : fallback;
}

int64_t Attrs::require_int(const char* op, const char* name) const {
  const AttrValue* v = find(op, name, AttrValue::Kind::INT);
  if (!v) fail(ErrorCode::E_ATTR, op, std::string("attribute '") + name + "' is required");
  return v->i;
}

float Attrs::get_float(const char* op, const char* name, float fallback) const {
  const AttrValue* v = find(op, name, AttrValue::Kind::FLOAT);
  if (!v) return fallback;
  return v->kind == AttrValue::Kind::INT ? float(v->i) : v->f;
}

std::string Attrs::get_string(const char* op, const char* name, const std::string& fallback) const {
  const AttrValue* v = find(op, name, AttrValue::Kind::STRING);
  return v ? v->s : fallback;
}

std::vector<int64_t> Attrs::get_ints(const char* op, const char* name, const std::vector<int64_t>& fallback,
                                     bool* present) const {
  const AttrValue* v = find(op, name, AttrValue::Kind::INTS);
  if (present) *present = v != nullptr;
  return v ? v->ints : fallback;
}

std::vector<float> Attrs::get_floats(const char* op, const char* name, const std::vector<float>& fallback) const {
  const AttrValue* v = find(op, name, AttrValue::Kind::FLOATS);
  return v ? v->floats : fallback;
}

}  // namespace aivm
