#include "engine/program.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>

#include "core/first_fit.h"
#include "ops/op.h"

namespace aivm {

namespace {

[[noreturn]] void bad_spec(const std::string& detail) { throw Error(ErrorCode::E_ARG, "program: " + detail); }

std::string value_str(int id) { return "value " + std::to_string(id); }

int64_t round_up(int64_t n, int64_t a) { return (n + a - 1) / a * a; }

// The engine's errors start with the op name; prefix which node of the graph.
[[noreturn]] void rethrow_at(const Error& e, const std::string& where) {
  throw Error(e.code(), "program: " + where + ": " + e.what());
}

Tensor view(const TensorSpec& spec, void* data) {
  Tensor t;
  t.dtype = spec.dtype;
  t.shape = spec.shape;
  t.data = data;
  return t;
}

// An owned copy (make_tensor layout) of t's bytes.
Tensor copy_of(const Tensor& t, const std::string& op) {
  Tensor c = make_tensor(t.dtype, t.shape, op);
  if (t.nbytes()) std::memcpy(c.data, t.data, t.nbytes());
  return c;
}

void check_program_limits(const ProgramSpec& spec) {
  auto over = [](const std::string& what, int64_t n, int64_t limit) {
    if (n > limit) {
      throw Error(ErrorCode::E_TOO_LARGE, "program: " + std::to_string(n) + " " + what + ", over the engine's limit of " +
                                              std::to_string(limit));
    }
  };
  over("nodes", int64_t(spec.nodes.size()), kMaxProgramNodes);
  over("values", int64_t(spec.values.size()), kMaxProgramValues);
  int64_t attr_bytes = 0;
  for (const ProgramNode& node : spec.nodes) attr_bytes += attrs_bytes(node.attrs);
  over("bytes of attributes", attr_bytes, kMaxProgramAttrBytes);
}

std::string node_where(size_t index, const std::string& name, const std::string& op) {
  return "node " + std::to_string(index) + " '" + name + "' (" + op + ")";
}

// Callers have checked the value's size (check_value_size) when it was added.
int64_t value_bytes(const TensorSpec& spec) {
  int64_t numel = 1;
  for (int64_t d : spec.shape) numel *= d;
  return numel * int64_t(dtype_size(spec.dtype));
}

// A value's shape is valid and its bytes within kMaxBytes; what() names it.
void check_value_size(const TensorSpec& spec, const std::function<std::string()>& what) {
  int64_t numel;
  try {
    numel = checked_numel(spec.shape, "program", "");
  } catch (const Error&) {
    checked_numel(spec.shape, "program", what());  // throws again, naming the value
    throw;
  }
  if (numel * int64_t(dtype_size(spec.dtype)) > kMaxBytes) {
    throw Error(ErrorCode::E_TOO_LARGE, "program: " + what() + " " + shape_str(spec.shape) + " is over the engine's size limit");
  }
}

OpId resolve_op(size_t index, const std::string& name, const std::string& op) {
  OpId id;
  if (!find_op(op, &id)) {
    throw Error(ErrorCode::E_UNSUPPORTED_OP, "program: " + node_where(index, name, op) + ": no such op in engine " +
                                                 kEngineVersion);
  }
  return id;
}

}  // namespace

int64_t attrs_bytes(const Attrs& attrs) {
  int64_t bytes = 0;
  for (const auto& kv : attrs.all()) {
    const AttrValue& a = kv.second;
    bytes += int64_t(kv.first.size() + a.s.size() + 8 * a.ints.size() + 4 * a.floats.size()) + 16;
  }
  return bytes;
}

namespace {
// Spare arenas held by every program of the process: one count for all engines
// and workers, because memory is the process's, whichever thread it serves.
std::atomic<int64_t> g_spare_arena_bytes{0};
}  // namespace

int64_t ArenaCache::spare_bytes() { return g_spare_arena_bytes.load(); }

ArenaCache::~ArenaCache() {
  if (spare_) g_spare_arena_bytes -= int64_t(bytes_);
}

ArenaCache::Block ArenaCache::take() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (spare_) {
      g_spare_arena_bytes -= int64_t(bytes_);
      return std::move(spare_);
    }
  }
  Block b(static_cast<uint8_t*>(std::aligned_alloc(Program::kAlign, bytes_)), std::free);
  if (!b) throw Error(ErrorCode::E_TOO_LARGE, "program: out of memory for a " + std::to_string(bytes_) + " byte arena");
  return b;
}

void ArenaCache::give(Block block) noexcept {
  if (!block) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (spare_) return;  // another run's arena is kept already; this one is freed
  if (g_spare_arena_bytes.fetch_add(int64_t(bytes_)) + int64_t(bytes_) > kBudgetBytes) {
    g_spare_arena_bytes -= int64_t(bytes_);
    return;
  }
  spare_ = std::move(block);
}


void ProgramBuilder::check_id(int id, const std::function<std::string()>& what) const {
  if (id < 0 || id >= num_values()) {
    bad_spec(what() + " names " + value_str(id) + ", but values are 0.." + std::to_string(num_values() - 1));
  }
}

const TensorSpec& ProgramBuilder::spec(int id) const {
  check_id(id, [] { return std::string("spec()"); });
  return graph_.values[size_t(id)].spec;
}

int ProgramBuilder::add_value(const TensorSpec& spec, Program::Kind kind, int index) {
  const int id = num_values();
  if (int64_t(id) >= kMaxProgramValues) {
    throw Error(ErrorCode::E_TOO_LARGE, "program: the graph's values and the outputs its ops make are over the engine's limit of " +
                                            std::to_string(kMaxProgramValues));
  }
  check_value_size(spec, [&] { return value_str(id); });
  graph_.values.push_back({spec, kind, index});
  return id;
}

int ProgramBuilder::add_input(const TensorSpec& spec) {
  int id = add_value(spec, Program::Kind::INPUT, int(graph_.inputs.size()));
  graph_.inputs.push_back(id);
  return id;
}

int ProgramBuilder::add_constant(const Tensor& constant) {
  if (!constant.data && checked_numel(constant.shape, "program", "a constant") > 0) {
    bad_spec("a constant of shape " + shape_str(constant.shape) + " has no data");
  }
  int id = add_value({constant.dtype, constant.shape}, Program::Kind::CONSTANT, int(graph_.constants.size()));
  graph_.constants.push_back(constant);
  graph_.snapshotted.push_back(false);
  return id;
}

// All or nothing: everything that can fail (the op, the limits, the inputs,
// infer, the outputs' sizes) is checked before the builder changes.
std::vector<int> ProgramBuilder::add_node(std::string name, const std::string& op, Attrs attrs, std::vector<int> inputs) {
  const size_t index = graph_.nodes.size();
  // Messages are built only on failure: a graph may have 2^18 nodes.
  auto where = [&] { return node_where(index, name, op); };
  const OpId id = resolve_op(index, name, op);
  if (int64_t(index) >= kMaxProgramNodes) {
    throw Error(ErrorCode::E_TOO_LARGE, "program: " + where() + ": over " + std::to_string(kMaxProgramNodes) +
                                            " nodes, the engine's limit");
  }
  const int64_t attr_bytes = graph_.attr_bytes + attrs_bytes(attrs);
  if (attr_bytes > kMaxProgramAttrBytes) {
    throw Error(ErrorCode::E_TOO_LARGE, "program: " + where() + ": " + std::to_string(attr_bytes) +
                                            " bytes of attributes in the graph, over the engine's limit of " +
                                            std::to_string(kMaxProgramAttrBytes));
  }
  if (int64_t(inputs.size()) > kMaxOpInputs) {
    throw Error(ErrorCode::E_ARITY, "program: " + where() + ": " + std::to_string(inputs.size()) +
                                        " inputs, over the engine's limit of " + std::to_string(kMaxOpInputs));
  }
  const OpContract& contract = op_contract(id);
  auto is_data_input = [&](size_t k) {
    return std::find(contract.data_inputs.begin(), contract.data_inputs.end(), int(k)) != contract.data_inputs.end();
  };
  // Shape-only views of the inputs, with data only where infer reads it. That
  // data is an owned copy (kept once the node is added): the plan is made from
  // these bytes, and the caller's (possibly shared) buffer may change later.
  std::vector<Tensor> views(inputs.size());
  std::vector<const Tensor*> ptrs(inputs.size(), nullptr);
  std::vector<std::pair<int, Tensor>> snapshots;  // constant index -> its copy
  for (size_t k = 0; k < inputs.size(); ++k) {
    const int v_id = inputs[k];
    if (v_id == -1) continue;
    auto what = [&] { return where() + " input " + std::to_string(k); };
    check_id(v_id, what);
    const Program::Value& v = graph_.values[size_t(v_id)];
    views[k] = view(v.spec, nullptr);
    if (is_data_input(k)) {
      if (v.kind != Program::Kind::CONSTANT) {
        bad_spec(what() + " (" + value_str(v_id) + ") must be a constant: " + op + " reads its data to infer output shapes");
      }
      const Tensor* data = &graph_.constants[size_t(v.index)];
      if (!graph_.snapshotted[size_t(v.index)]) {
        auto same = [&](const std::pair<int, Tensor>& s) { return s.first == v.index; };
        auto it = std::find_if(snapshots.begin(), snapshots.end(), same);
        if (it == snapshots.end()) it = snapshots.insert(snapshots.end(), {v.index, copy_of(*data, op)});
        data = &it->second;
      }
      views[k].data = data->data;
    }
    ptrs[k] = &views[k];
  }
  Params params;
  std::vector<TensorSpec> specs;
  try {
    specs = infer_op(id, ptrs, attrs, &params);
  } catch (const Error& e) {
    rethrow_at(e, where());
  }
  if (int64_t(graph_.values.size() + specs.size()) > kMaxProgramValues) {
    throw Error(ErrorCode::E_TOO_LARGE, "program: " + where() + ": the graph's values and the outputs its ops make " +
                                            "are over the engine's limit of " + std::to_string(kMaxProgramValues));
  }
  for (size_t j = 0; j < specs.size(); ++j) check_value_size(specs[j], [&] { return where() + " output " + std::to_string(j); });

  for (auto& [k, copy] : snapshots) {
    graph_.constants[size_t(k)] = std::move(copy);
    graph_.snapshotted[size_t(k)] = true;
  }
  std::vector<int> outputs;
  for (const TensorSpec& s : specs) outputs.push_back(add_value(s, Program::Kind::ARENA, -1));
  graph_.attr_bytes = attr_bytes;
  graph_.nodes.push_back({std::move(name), id, std::move(attrs), std::move(inputs), outputs, std::move(params)});
  return outputs;
}

Program ProgramBuilder::build(const std::vector<int>& outputs) const& {
  for (size_t k = 0; k < outputs.size(); ++k) check_id(outputs[k], [&] { return "output " + std::to_string(k); });
  return Program(graph_, outputs);
}

Program ProgramBuilder::build(const std::vector<int>& outputs) && {
  for (size_t k = 0; k < outputs.size(); ++k) check_id(outputs[k], [&] { return "output " + std::to_string(k); });
  return Program(std::move(graph_), outputs);
}

Program::Program(Graph graph, const std::vector<int>& outputs) : graph_(std::move(graph)), outputs_(outputs) {
  for (int id : outputs_) {
    Value& v = graph_.values[size_t(id)];
    if (v.kind == Kind::ARENA) v.kind = Kind::OUTPUT;
    output_bytes_ += value_bytes(v.spec);
  }
  plan_arena();
  arenas_ = std::make_unique<ArenaCache>(size_t(arena_bytes_) + kGuardBytes);
}

namespace {

// A spec's graph through a builder: the spec's value ids map to the builder's,
// each defined exactly once, and every declared output spec must be what the
// op infers. Messages name the spec's ids.
Program program_from_spec(ProgramSpec spec) {
  check_program_limits(spec);
  const int n = int(spec.values.size());
  for (int id = 0; id < n; ++id) check_value_size(spec.values[size_t(id)], [&] { return value_str(id); });
  std::vector<int> built(size_t(n), -1);  // the spec's value id -> the builder's
  auto check_id = [&](int id, auto what) {
    if (id < 0 || id >= n) bad_spec(what() + " names " + value_str(id) + ", but values are 0.." + std::to_string(n - 1));
  };
  auto define = [&](int id, int builder_id, auto what) {
    if (built[size_t(id)] != -1) bad_spec(value_str(id) + " is defined twice (again by " + what() + ")");
    built[size_t(id)] = builder_id;
  };

  ProgramBuilder b;
  for (size_t k = 0; k < spec.inputs.size(); ++k) {
    auto what = [&] { return "input " + std::to_string(k); };
    check_id(spec.inputs[k], what);
    define(spec.inputs[k], b.add_input(spec.values[size_t(spec.inputs[k])]), what);
  }
  for (size_t k = 0; k < spec.constants.size(); ++k) {
    const int id = spec.constants[k].first;
    const Tensor& t = spec.constants[k].second;
    auto what = [&] { return "constant " + std::to_string(k); };
    check_id(id, what);
    const TensorSpec& s = spec.values[size_t(id)];
    if (t.dtype != s.dtype) {
      throw Error(ErrorCode::E_DTYPE, "program: " + what() + " (" + value_str(id) + ") is " + dtype_name(t.dtype) +
                                          ", declared " + dtype_name(s.dtype));
    }
    if (t.shape != s.shape) {
      throw Error(ErrorCode::E_SHAPE, "program: " + what() + " (" + value_str(id) + ") has shape " +
                                          shape_str(t.shape) + ", declared " + shape_str(s.shape));
    }
    define(id, b.add_constant(t), what);
  }
  for (size_t i = 0; i < spec.nodes.size(); ++i) {
    ProgramNode& pn = spec.nodes[i];
    auto where = [&] { return node_where(i, pn.name, pn.op); };
    resolve_op(i, pn.name, pn.op);  // an unknown op is named before its inputs are checked
    std::vector<int> inputs;
    inputs.reserve(pn.inputs.size());
    for (size_t k = 0; k < pn.inputs.size(); ++k) {
      const int id = pn.inputs[k];
      if (id == -1) {
        inputs.push_back(-1);
        continue;
      }
      auto what = [&] { return where() + " input " + std::to_string(k); };
      check_id(id, what);
      if (built[size_t(id)] == -1) {
        bad_spec(what() + " reads " + value_str(id) + " before anything defines it (nodes must be in topological order)");
      }
      inputs.push_back(built[size_t(id)]);
    }
    const std::vector<int> outs = b.add_node(pn.name, pn.op, std::move(pn.attrs), std::move(inputs));
    if (pn.outputs.size() > outs.size()) {
      throw Error(ErrorCode::E_ARITY, "program: " + where() + " lists " + std::to_string(pn.outputs.size()) +
                                          " outputs, the op produces " + std::to_string(outs.size()));
    }
    for (size_t j = 0; j < pn.outputs.size(); ++j) {
      const int id = pn.outputs[j];
      if (id == -1) continue;  // the op writes it anyway, into arena room for this node only
      auto what = [&] { return where() + " output " + std::to_string(j); };
      check_id(id, what);
      const TensorSpec& declared = spec.values[size_t(id)];
      const TensorSpec& inferred = b.spec(outs[j]);
      if (declared.dtype != inferred.dtype || declared.shape != inferred.shape) {
        throw Error(ErrorCode::E_SHAPE, "program: " + what() + " (" + value_str(id) + ") is declared " +
                                            dtype_name(declared.dtype) + " " + shape_str(declared.shape) +
                                            " but the op gives " + dtype_name(inferred.dtype) + " " +
                                            shape_str(inferred.shape));
      }
      define(id, outs[j], what);
    }
  }
  std::vector<int> outputs;
  for (size_t k = 0; k < spec.outputs.size(); ++k) {
    const int id = spec.outputs[k];
    check_id(id, [&] { return "output " + std::to_string(k); });
    if (built[size_t(id)] == -1) bad_spec("output " + std::to_string(k) + " (" + value_str(id) + ") is never defined");
    outputs.push_back(built[size_t(id)]);
  }
  return std::move(b).build(outputs);
}

}  // namespace

Program::Program(ProgramSpec spec) : Program(program_from_spec(std::move(spec))) {}

// Greedy first-fit in definition order (core/first_fit.h): each arena value
// takes the lowest 64-byte aligned offset where it overlaps no placed value whose
// lifetime meets its own. Depends only on the spec, so every machine gets the
// same plan.
void Program::plan_arena() {
  std::vector<int> first(graph_.values.size(), -1), last(graph_.values.size(), -1);
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    for (int id : graph_.nodes[i].outputs) first[size_t(id)] = last[size_t(id)] = int(i);
    for (int id : graph_.nodes[i].inputs) {
      if (id >= 0) last[size_t(id)] = int(i);
    }
  }
  FirstFit fit;
  for (const Node& node : graph_.nodes) {
    for (int id : node.outputs) {
      Value& v = graph_.values[size_t(id)];
      if (v.kind != Kind::ARENA) continue;
      int64_t bytes = value_bytes(v.spec);
      // At least one alignment unit, so even an empty value has its own address.
      bytes = std::max(kAlign, round_up(bytes, kAlign));
      int64_t offset = fit.place(first[size_t(id)], last[size_t(id)], bytes);
      v.index = int(slots_.size());
      slots_.push_back({id, offset, bytes, first[size_t(id)], last[size_t(id)]});
      arena_bytes_ = std::max(arena_bytes_, offset + bytes);
    }
  }
}

std::vector<Tensor> Program::run(Engine& engine, const std::vector<const Tensor*>& inputs, Isa isa, int threads,
                                 std::vector<Hash32>* node_hashes, const RunControl* control,
                                 std::vector<int64_t>* node_nanos) const {
  check_threads(threads);
  if (inputs.size() != graph_.inputs.size()) {
    throw Error(ErrorCode::E_ARITY, "program: expects " + std::to_string(graph_.inputs.size()) + " inputs, got " +
                                        std::to_string(inputs.size()));
  }
  std::vector<Tensor> vals(graph_.values.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    int id = graph_.inputs[k];
    const TensorSpec& s = graph_.values[size_t(id)].spec;
    const Tensor* t = inputs[k];
    std::string what = "program: input " + std::to_string(k);
    if (!t || !t->data) throw Error(ErrorCode::E_ARG, what + " is missing");
    if (t->dtype != s.dtype) {
      throw Error(ErrorCode::E_DTYPE, what + " must be " + dtype_name(s.dtype) + ", got " + dtype_name(t->dtype));
    }
    if (t->shape != s.shape) {
      throw Error(ErrorCode::E_SHAPE, what + " must have shape " + shape_str(s.shape) + ", got " + shape_str(t->shape));
    }
    vals[size_t(id)] = *t;
  }
  for (size_t id = 0; id < graph_.values.size(); ++id) {
    if (graph_.values[id].kind == Kind::CONSTANT) vals[id] = graph_.constants[size_t(graph_.values[id].index)];
  }

  // This run's arena (a spare one from an earlier run, or new), with a guard
  // region after it that no kernel may touch; back to the cache however the run ends.
  struct Lease {
    ArenaCache& cache;
    ArenaCache::Block block;
    ~Lease() { cache.give(std::move(block)); }
  } arena{*arenas_, arenas_->take()};
  uint8_t* guard = arena.block.get() + arena_bytes_;
  std::memset(guard, kGuardPattern, kGuardBytes);
  auto guard_intact = [&] {
    for (size_t b = 0; b < kGuardBytes; ++b) {
      if (guard[b] != kGuardPattern) return false;
    }
    return true;
  };

  // Resolved once per run: each node's compute is then an array index by its OpId.
  const ComputeTable& computes = engine.computes(isa);
  if (node_hashes) node_hashes->clear();
  if (node_nanos) node_nanos->clear();
  std::vector<Tensor> outs;
  std::vector<const Tensor*> ins;
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    if (control) control->check();
    const auto started = node_nanos ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    const Node& node = graph_.nodes[i];
    outs.clear();
    for (int id : node.outputs) {
      const Value& v = graph_.values[size_t(id)];
      if (v.kind == Kind::OUTPUT) {
        outs.push_back(make_tensor(v.spec.dtype, v.spec.shape, op_name(node.op)));
      } else {
        // Zero-filled like make_tensor's buffers, so a kernel sees exactly what run_op gives it.
        outs.push_back(view(v.spec, arena.block.get() + slots_[size_t(v.index)].offset));
        std::memset(outs.back().data, 0, outs.back().nbytes());
      }
    }
    ins.clear();
    for (int id : node.inputs) ins.push_back(id < 0 ? nullptr : &vals[size_t(id)]);
    try {
      engine.compute_into(computes, node.op, ins, node.attrs, node.params, threads, outs, control);
    } catch (const Error& e) {
      rethrow_at(e, node_where(i, node.name, op_name(node.op)));
    }
    bool intact = guard_intact();
    for (const Tensor& t : outs) intact = intact && guards_intact(t);
    if (!intact) throw Error(ErrorCode::E_INTERNAL, "program: " + node_where(i, node.name, op_name(node.op)) + ": kernel wrote outside its outputs");
    if (node_nanos) {
      node_nanos->push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count());
    }
    if (node_hashes) {
      std::vector<const Tensor*> ptrs;
      for (const Tensor& t : outs) ptrs.push_back(&t);
      node_hashes->push_back(hash_tensors(ptrs));
    }
    for (size_t j = 0; j < outs.size(); ++j) vals[size_t(node.outputs[j])] = std::move(outs[j]);
  }

  std::vector<Tensor> result;
  for (int id : outputs_) {
    // Inputs and constants are not ours to hand out: copy them.
    Kind kind = graph_.values[size_t(id)].kind;
    result.push_back(kind == Kind::OUTPUT ? vals[size_t(id)] : copy_of(vals[size_t(id)], "program"));
  }
  return result;
}

}  // namespace aivm
