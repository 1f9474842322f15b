#include "engine/program.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
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

}  // namespace

std::string Program::where(size_t node) const {
  return "node " + std::to_string(node) + " '" + nodes_[node].name + "' (" + op_name(nodes_[node].op) + ")";
}

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

Program::Program(ProgramSpec spec) {
  check_program_limits(spec);
  const int n = int(spec.values.size());
  values_.resize(size_t(n));
  for (int id = 0; id < n; ++id) {
    const TensorSpec& s = spec.values[size_t(id)];
    int64_t numel = checked_numel(s.shape, "program", value_str(id));
    if (numel * int64_t(dtype_size(s.dtype)) > kMaxBytes) {
      throw Error(ErrorCode::E_TOO_LARGE, "program: " + value_str(id) + " " + shape_str(s.shape) +
                                              " is over the engine's size limit");
    }
    values_[size_t(id)].spec = s;
  }
  // `what` is a function naming the place: messages are built only on failure.
  auto check_id = [&](int id, auto what) {
    if (id < 0 || id >= n) {
      bad_spec(what() + " names " + value_str(id) + ", but values are 0.." + std::to_string(n - 1));
    }
  };
  auto define = [&](int id, Kind kind, int index, auto what) {
    if (values_[size_t(id)].kind != Kind::UNDEFINED) bad_spec(value_str(id) + " is defined twice (again by " + what() + ")");
    values_[size_t(id)].kind = kind;
    values_[size_t(id)].index = index;
  };

  for (size_t k = 0; k < spec.inputs.size(); ++k) {
    auto what = [&] { return "input " + std::to_string(k); };
    check_id(spec.inputs[k], what);
    define(spec.inputs[k], Kind::INPUT, int(k), what);
  }
  inputs_ = spec.inputs;

  for (size_t k = 0; k < spec.constants.size(); ++k) {
    int id = spec.constants[k].first;
    const Tensor& t = spec.constants[k].second;
    std::string what = "constant " + std::to_string(k);
    check_id(id, [&] { return what; });
    const TensorSpec& s = values_[size_t(id)].spec;
    if (t.dtype != s.dtype) {
      throw Error(ErrorCode::E_DTYPE, "program: " + what + " (" + value_str(id) + ") is " + dtype_name(t.dtype) +
                                          ", declared " + dtype_name(s.dtype));
    }
    if (t.shape != s.shape) {
      throw Error(ErrorCode::E_SHAPE, "program: " + what + " (" + value_str(id) + ") has shape " +
                                          shape_str(t.shape) + ", declared " + shape_str(s.shape));
    }
    if (!t.data) bad_spec(what + " (" + value_str(id) + ") has no data");
    define(id, Kind::CONSTANT, int(k), [&] { return what; });
    constants_.push_back(t);
  }

  std::vector<bool> snapshotted(constants_.size(), false);
  for (size_t i = 0; i < spec.nodes.size(); ++i) {
    ProgramNode& pn = spec.nodes[i];
    OpId id;
    if (!find_op(pn.op, &id)) {
      throw Error(ErrorCode::E_UNSUPPORTED_OP, "program: node " + std::to_string(i) + " '" + pn.name + "' (" + pn.op +
                                                   "): no such op in engine " + kEngineVersion);
    }
    nodes_.push_back({pn.name, id, pn.attrs, pn.inputs, {}, {}});
    const OpContract& contract = op_contract(id);
    auto is_data_input = [&](size_t k) {
      return std::find(contract.data_inputs.begin(), contract.data_inputs.end(), int(k)) != contract.data_inputs.end();
    };
    // Shape-only views of the inputs, with data only where infer reads it.
    std::vector<Tensor> views(pn.inputs.size());
    std::vector<const Tensor*> ptrs(pn.inputs.size(), nullptr);
    for (size_t k = 0; k < pn.inputs.size(); ++k) {
      int id = pn.inputs[k];
      if (id == -1) continue;
      auto what = [&] { return where(i) + " input " + std::to_string(k); };
      check_id(id, what);
      const Value& v = values_[size_t(id)];
      if (v.kind == Kind::UNDEFINED) {
        bad_spec(what() + " reads " + value_str(id) + " before anything defines it (nodes must be in topological order)");
      }
      views[k] = view(v.spec, nullptr);
      if (is_data_input(k)) {
        if (v.kind != Kind::CONSTANT) {
          bad_spec(what() + " (" + value_str(id) + ") must be a constant: " + pn.op +
                   " reads its data to infer output shapes");
        }
        // The plan was made from these bytes: an owned copy keeps it valid even
        // if the caller's (possibly shared) buffer changes later.
        if (!snapshotted[size_t(v.index)]) {
          constants_[size_t(v.index)] = copy_of(constants_[size_t(v.index)], pn.op);
          snapshotted[size_t(v.index)] = true;
        }
        views[k].data = constants_[size_t(v.index)].data;
      }
      ptrs[k] = &views[k];
    }
    std::vector<TensorSpec> specs;
    try {
      specs = infer_op(id, ptrs, pn.attrs, &nodes_.back().params);
    } catch (const Error& e) {
      rethrow_at(e, where(i));
    }
    if (pn.outputs.size() > specs.size()) {
      throw Error(ErrorCode::E_ARITY, "program: " + where(i) + " lists " + std::to_string(pn.outputs.size()) +
                                          " outputs, the op produces " + std::to_string(specs.size()));
    }
    Node& node = nodes_.back();
    for (size_t j = 0; j < specs.size(); ++j) {
      int id = j < pn.outputs.size() ? pn.outputs[j] : -1;
      auto what = [&] { return where(i) + " output " + std::to_string(j); };
      if (id == -1) {
        // The op writes it anyway: give it arena room for this node only.
        if (int64_t(values_.size()) >= kMaxProgramValues) {
          throw Error(ErrorCode::E_TOO_LARGE, "program: " + where(i) + ": the graph's values and the outputs its ops make " +
                                                  "are over the engine's limit of " + std::to_string(kMaxProgramValues));
        }
        values_.push_back({specs[j], Kind::ARENA, -1});
        node.outputs.push_back(int(values_.size()) - 1);
        continue;
      }
      check_id(id, what);
      const TensorSpec& declared = values_[size_t(id)].spec;
      if (declared.dtype != specs[j].dtype || declared.shape != specs[j].shape) {
        throw Error(ErrorCode::E_SHAPE, "program: " + what() + " (" + value_str(id) + ") is declared " +
                                            dtype_name(declared.dtype) + " " + shape_str(declared.shape) +
                                            " but the op gives " + dtype_name(specs[j].dtype) + " " +
                                            shape_str(specs[j].shape));
      }
      define(id, Kind::ARENA, -1, what);
      node.outputs.push_back(id);
    }
  }

  for (size_t k = 0; k < spec.outputs.size(); ++k) {
    int id = spec.outputs[k];
    check_id(id, [&] { return "output " + std::to_string(k); });
    Value& v = values_[size_t(id)];
    if (v.kind == Kind::UNDEFINED) bad_spec("output " + std::to_string(k) + " (" + value_str(id) + ") is never defined");
    if (v.kind == Kind::ARENA) v.kind = Kind::OUTPUT;
    output_bytes_ += checked_numel(v.spec.shape, "program", value_str(id)) * int64_t(dtype_size(v.spec.dtype));
  }
  outputs_ = spec.outputs;
  plan_arena();
  arenas_ = std::make_unique<ArenaCache>(size_t(arena_bytes_) + kGuardBytes);
}

// Greedy first-fit in definition order (core/first_fit.h): each arena value
// takes the lowest 64-byte aligned offset where it overlaps no placed value whose
// lifetime meets its own. Depends only on the spec, so every machine gets the
// same plan.
void Program::plan_arena() {
  std::vector<int> first(values_.size(), -1), last(values_.size(), -1);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (int id : nodes_[i].outputs) first[size_t(id)] = last[size_t(id)] = int(i);
    for (int id : nodes_[i].inputs) {
      if (id >= 0) last[size_t(id)] = int(i);
    }
  }
  FirstFit fit;
  for (const Node& node : nodes_) {
    for (int id : node.outputs) {
      Value& v = values_[size_t(id)];
      if (v.kind != Kind::ARENA) continue;
      int64_t bytes = checked_numel(v.spec.shape, "program", value_str(id)) * int64_t(dtype_size(v.spec.dtype));
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
  if (inputs.size() != inputs_.size()) {
    throw Error(ErrorCode::E_ARITY, "program: expects " + std::to_string(inputs_.size()) + " inputs, got " +
                                        std::to_string(inputs.size()));
  }
  std::vector<Tensor> vals(values_.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    int id = inputs_[k];
    const TensorSpec& s = values_[size_t(id)].spec;
    const Tensor* t = inputs[k];
    std::string what = "program: input " + std::to_string(k) + " (" + value_str(id) + ")";
    if (!t || !t->data) throw Error(ErrorCode::E_ARG, what + " is missing");
    if (t->dtype != s.dtype) {
      throw Error(ErrorCode::E_DTYPE, what + " must be " + dtype_name(s.dtype) + ", got " + dtype_name(t->dtype));
    }
    if (t->shape != s.shape) {
      throw Error(ErrorCode::E_SHAPE, what + " must have shape " + shape_str(s.shape) + ", got " + shape_str(t->shape));
    }
    vals[size_t(id)] = *t;
  }
  for (size_t id = 0; id < values_.size(); ++id) {
    if (values_[id].kind == Kind::CONSTANT) vals[id] = constants_[size_t(values_[id].index)];
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
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (control) control->check();
    const auto started = node_nanos ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    const Node& node = nodes_[i];
    outs.clear();
    for (int id : node.outputs) {
      const Value& v = values_[size_t(id)];
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
      rethrow_at(e, where(i));
    }
    bool intact = guard_intact();
    for (const Tensor& t : outs) intact = intact && guards_intact(t);
    if (!intact) throw Error(ErrorCode::E_INTERNAL, "program: " + where(i) + ": kernel wrote outside its outputs");
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
    Kind kind = values_[size_t(id)].kind;
    result.push_back(kind == Kind::OUTPUT ? vals[size_t(id)] : copy_of(vals[size_t(id)], "program"));
  }
  return result;
}

}  // namespace aivm
