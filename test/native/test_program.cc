// Program: a graph built once (validated, inferred, memory-planned) and run
// many times. The reference for every output bit is the same ops run one by
// one through Engine::run_op; the plan is checked against its own definition
// (no two values alive at the same node share a byte).
#include <algorithm>
#include <atomic>
#include <thread>

#include "engine/program.h"
#include "test_util.h"

using aivm::DType;
using aivm::ErrorCode;
using aivm::Program;
using aivm::ProgramSpec;
using aivm::Shape;
using aivm::Tensor;
using namespace aivm_test;

namespace {

// Builds a ProgramSpec value by value.
struct Builder {
  ProgramSpec spec;
  int value(DType dt, const Shape& s) {
    spec.values.push_back({dt, s});
    return int(spec.values.size()) - 1;
  }
  int input(DType dt, const Shape& s) {
    int id = value(dt, s);
    spec.inputs.push_back(id);
    return id;
  }
  int constant(const Tensor& t) {
    int id = value(t.dtype, t.shape);
    spec.constants.emplace_back(id, t);
    return id;
  }
  void node(const std::string& name, const std::string& op, std::vector<int> ins, std::vector<int> outs,
            aivm::Attrs attrs = {}) {
    spec.nodes.push_back({name, op, std::move(attrs), std::move(ins), std::move(outs)});
  }
};

bool all_same(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!same_bits(a[i], b[i])) return false;
  }
  return true;
}

// Runs spec's nodes one by one with run_op (scalar, 1 thread): every value's
// tensor, and per node the hash of all the outputs its op gave.
std::vector<Tensor> reference(const ProgramSpec& spec, const std::vector<Tensor>& inputs,
                              std::vector<aivm::Hash32>* hashes) {
  std::vector<Tensor> vals(spec.values.size());
  for (size_t k = 0; k < spec.inputs.size(); ++k) vals[size_t(spec.inputs[k])] = inputs[k];
  for (const auto& c : spec.constants) vals[size_t(c.first)] = c.second;
  for (const auto& n : spec.nodes) {
    std::vector<const Tensor*> ins;
    for (int id : n.inputs) ins.push_back(id < 0 ? nullptr : &vals[size_t(id)]);
    std::vector<Tensor> out = run(n.op, ins, n.attrs);
    std::vector<const Tensor*> ptrs;
    for (const Tensor& t : out) ptrs.push_back(&t);
    hashes->push_back(aivm::hash_tensors(ptrs));
    for (size_t j = 0; j < n.outputs.size(); ++j) {
      if (n.outputs[j] >= 0) vals[size_t(n.outputs[j])] = out[j];
    }
  }
  std::vector<Tensor> outs;
  for (int id : spec.outputs) outs.push_back(vals[size_t(id)]);
  return outs;
}

std::vector<const Tensor*> ptrs_of(const std::vector<Tensor>& v) {
  std::vector<const Tensor*> p;
  for (const Tensor& t : v) p.push_back(&t);
  return p;
}

// MatMul -> Add -> Relu -> Softmax -> Reshape (constant shape) -> Split (3
// outputs) -> Add -> LayerNormalization (only Y listed: mean and inv-std are
// outputs the graph does not use). Outputs: a Split piece, the Softmax (also
// read later), the input itself (copied) and the LayerNormalization.
struct Chain {
  Builder b;
  std::vector<Tensor> inputs;
  Chain() {
    int x = b.input(DType::F32, {4, 8});
    int w = b.constant(random_f32({8, 12}, 11));
    int bias = b.constant(random_f32({12}, 12));
    int mm = b.value(DType::F32, {4, 12}), add = b.value(DType::F32, {4, 12});
    int relu = b.value(DType::F32, {4, 12}), sm = b.value(DType::F32, {4, 12});
    b.node("mm", "MatMul", {x, w}, {mm});
    b.node("add", "Add", {mm, bias}, {add});
    b.node("relu", "Relu", {add}, {relu});
    b.node("softmax", "Softmax", {relu}, {sm}, attrs1("axis", attr_int(-1)));
    int shape = b.constant(vector_i64({4, 3, 4}));
    int r = b.value(DType::F32, {4, 3, 4});
    b.node("reshape", "Reshape", {sm, shape}, {r});
    int p0 = b.value(DType::F32, {4, 1, 4}), p1 = b.value(DType::F32, {4, 1, 4}), p2 = b.value(DType::F32, {4, 1, 4});
    aivm::Attrs split;
    split.set("axis", attr_int(1));
    split.set("num_outputs", attr_int(3));
    b.node("split", "Split", {r, -1}, {p0, p1, p2}, split);
    int sum = b.value(DType::F32, {4, 1, 4});
    b.node("sum", "Add", {p0, p2}, {sum});
    int scale = b.constant(random_f32({4}, 13));
    int ln = b.value(DType::F32, {4, 1, 4});
    b.node("ln", "LayerNormalization", {sum, scale}, {ln});
    b.spec.outputs = {p1, sm, x, ln};
    inputs.push_back(random_f32({4, 8}, 10, 3.0f));
  }
};

// Every pair of arena slots alive at a common node is disjoint; offsets aligned.
void check_plan(const Program& p, const std::string& what) {
  const auto& s = p.slots();
  int64_t end = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    CHECK_MSG(s[i].offset % 64 == 0, what + ": unaligned slot");
    CHECK_MSG(s[i].bytes > 0 && s[i].first <= s[i].last, what + ": empty slot or lifetime");
    end = std::max(end, s[i].offset + s[i].bytes);
    for (size_t j = i + 1; j < s.size(); ++j) {
      bool live_together = s[i].first <= s[j].last && s[j].first <= s[i].last;
      bool disjoint = s[i].offset + s[i].bytes <= s[j].offset || s[j].offset + s[j].bytes <= s[i].offset;
      CHECK_MSG(!live_together || disjoint, what + ": values " + std::to_string(s[i].value) + " and " +
                                                std::to_string(s[j].value) + " overlap");
    }
  }
  CHECK_MSG(end <= p.arena_bytes(), what + ": slot past the arena");
}

}  // namespace

TEST(data_inputs_registry) {
  auto d = aivm::op_data_inputs();
  CHECK(d.size() == aivm::op_names().size());
  CHECK((d["Reshape"] == std::vector<int>{1}));
  CHECK((d["Expand"] == std::vector<int>{1}));
  CHECK((d["Split"] == std::vector<int>{1}));
  CHECK((d["Slice"] == std::vector<int>{1, 2, 3, 4}));
  CHECK((d["ReduceSum"] == std::vector<int>{1}));
  CHECK(d["Gather"].empty());  // indices decide no shape
  CHECK(d["MatMul"].empty());
  CHECK(d["Clip"].empty());
}

// infer with shape-only inputs (data == nullptr wherever the registry says infer
// does not read it) gives what run_op gives, for every self-test case of every
// op. A read of a missing input would crash here (and ASan names it).
TEST(infer_op_reads_only_data_inputs) {
  auto data_inputs = aivm::op_data_inputs();
  aivm::CaseList cases = aivm::selftest_cases();
  for (aivm::SelftestCase& c : outside_selftest_cases()) cases.push_back(std::move(c));
  std::map<std::string, int> seen;
  for (const auto& c : cases) {
    std::vector<Tensor> shapes(c.inputs.size());
    std::vector<const Tensor*> in, full;
    const auto& di = data_inputs[c.op];
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      bool omitted = i < c.omitted.size() && c.omitted[i];
      shapes[i] = c.inputs[i];
      if (std::find(di.begin(), di.end(), int(i)) == di.end()) {
        shapes[i].data = nullptr;
        shapes[i].storage.reset();
      }
      in.push_back(omitted ? nullptr : &shapes[i]);
      full.push_back(omitted ? nullptr : &c.inputs[i]);
    }
    std::vector<aivm::TensorSpec> specs = aivm::infer_op(c.op, in, c.attrs);
    std::vector<Tensor> out = run(c.op, full, c.attrs);
    bool same = specs.size() == out.size();
    for (size_t j = 0; same && j < out.size(); ++j) same = specs[j].dtype == out[j].dtype && specs[j].shape == out[j].shape;
    CHECK_MSG(same, c.op + ": infer_op differs from run_op's outputs");
    ++seen[c.op];
  }
  CHECK(seen.size() == aivm::op_names().size());
  // A data input without its data is refused, not read.
  Tensor x = random_f32({2, 6}, 31);
  Tensor shape = vector_i64({3, 4});
  shape.data = nullptr;
  CHECK_THROWS_CODE(E_ARG, aivm::infer_op("Reshape", {&x, &shape}, {}));
  CHECK_THROWS_CODE(E_UNSUPPORTED_OP, aivm::infer_op("Nope", {&x}, {}));
  CHECK_THROWS_CODE(E_ARITY, aivm::infer_op("Relu", {&x, &x}, {}));
  CHECK_THROWS_CODE(E_ATTR, aivm::infer_op("Relu", {&x}, attrs1("alpha", attr_float(1))));
}

TEST(chain_matches_run_op_everywhere) {
  Chain c;
  Program p(c.b.spec);
  check_plan(p, "chain");
  std::vector<aivm::Hash32> ref_hashes;
  std::vector<Tensor> ref = reference(c.b.spec, c.inputs, &ref_hashes);
  CHECK(p.num_nodes() == ref_hashes.size());
  // Graph outputs: 2 x [4,1,4] + [4,12] + [4,8] float32.
  CHECK(p.output_bytes() == (2 * 16 + 48 + 32) * 4);
  for (aivm::Isa isa : aivm::available_isas()) {
    for (int threads : {1, 2, 3, 4}) {
      std::vector<aivm::Hash32> hashes;
      std::vector<Tensor> got = p.run(engine(), ptrs_of(c.inputs), isa, threads, &hashes);
      std::string what = std::string(aivm::isa_name(isa)) + " x" + std::to_string(threads);
      CHECK_MSG(all_same(got, ref), what + ": outputs differ from the run_op chain");
      CHECK_MSG(hashes == ref_hashes, what + ": node hashes differ from hash_tensors of run_op outputs");
      for (const Tensor& t : got) CHECK(t.guarded && aivm::guards_intact(t));
    }
  }
  // The input handed back is a copy, not the caller's buffer.
  std::vector<Tensor> got = p.run(engine(), ptrs_of(c.inputs), aivm::Isa::SCALAR, 1);
  CHECK(got[2].data != c.inputs[0].data && same_bits(got[2], c.inputs[0]));
}

TEST(chain_arena_reuses_memory) {
  // x -> Relu -> Relu -> ... : value k lives from node k-1 to node k, so two
  // buffers suffice, whatever the chain's length.
  Builder b;
  const Shape s = {64, 64};  // 16 KiB each
  int v = b.input(DType::F32, s);
  for (int i = 0; i < 10; ++i) {
    int next = b.value(DType::F32, s);
    b.node("relu" + std::to_string(i), i % 2 ? "Neg" : "Relu", {v}, {next});
    v = next;
  }
  b.spec.outputs = {v};
  Program p(b.spec);
  check_plan(p, "relu chain");
  CHECK(p.slots().size() == 9);
  CHECK(p.arena_bytes() == 2 * 16384);  // versus 9 * 16384 without reuse
  CHECK(p.output_bytes() == 16384);
  std::vector<Tensor> in{random_f32(s, 40)};
  std::vector<aivm::Hash32> h;
  CHECK(all_same(p.run(engine(), ptrs_of(in), aivm::Isa::SCALAR, 1), reference(b.spec, in, &h)));
}

TEST(random_graphs_plan_and_bits) {
  // DAGs of Relu / Add / Mul over inputs of several sizes, each node reading
  // random earlier values: many overlapping lifetimes of different sizes.
  for (uint64_t g = 0; g < 20; ++g) {
    Builder b;
    std::vector<int> vals;
    std::vector<Tensor> inputs;
    const Shape shapes[] = {{3}, {17, 5}, {64, 33}, {2, 3, 4}, {1000}};
    for (int k = 0; k < 5; ++k) {
      vals.push_back(b.input(DType::F32, shapes[k]));
      inputs.push_back(random_f32(shapes[k], 100 * g + uint64_t(k)));
    }
    int n_nodes = 25;
    for (int i = 0; i < n_nodes; ++i) {
      uint64_t r = aivm::rng_u64(50, g, uint64_t(i));
      int a = vals[size_t(r % vals.size())];
      const char* op = (r >> 20) % 3 == 0 ? "Relu" : (r >> 20) % 3 == 1 ? "Add" : "Mul";
      int out = b.value(DType::F32, b.spec.values[size_t(a)].shape);
      if (std::string(op) == "Relu") b.node("n" + std::to_string(i), op, {a}, {out});
      else b.node("n" + std::to_string(i), op, {a, a}, {out});
      vals.push_back(out);
    }
    b.spec.outputs = {vals.back(), vals[vals.size() / 2]};
    Program p(b.spec);
    check_plan(p, "graph " + std::to_string(g));
    std::vector<aivm::Hash32> ref_hashes, hashes;
    std::vector<Tensor> ref = reference(b.spec, inputs, &ref_hashes);
    aivm::Isa best = aivm::available_isas().back();
    CHECK_MSG(all_same(p.run(engine(), ptrs_of(inputs), best, 3, &hashes), ref), "graph " + std::to_string(g));
    CHECK(hashes == ref_hashes);
  }
}

TEST(plan_is_deterministic) {
  Chain a, b;
  Program p(a.b.spec), q(b.b.spec);
  CHECK(p.arena_bytes() == q.arena_bytes());
  bool same = p.slots().size() == q.slots().size();
  for (size_t i = 0; same && i < p.slots().size(); ++i) {
    same = p.slots()[i].offset == q.slots()[i].offset && p.slots()[i].bytes == q.slots()[i].bytes;
  }
  CHECK(same);
}

TEST(shape_constants_are_snapshotted) {
  // The plan was made from the Reshape's shape constant: changing the caller's
  // buffer afterwards must not change (or break) what runs.
  Chain c;
  Tensor shape = c.b.spec.constants[2].second;  // shares storage with the spec's
  Program p(c.b.spec);
  std::vector<Tensor> before = p.run(engine(), ptrs_of(c.inputs), aivm::Isa::SCALAR, 1);
  shape.ptr<int64_t>()[0] = 2;
  shape.ptr<int64_t>()[1] = 6;
  std::vector<Tensor> after = p.run(engine(), ptrs_of(c.inputs), aivm::Isa::SCALAR, 1);
  CHECK(all_same(before, after));
}

TEST(weights_are_borrowed) {
  // A weight constant is not copied: a change to its bytes shows in the next run.
  Chain c;
  Tensor w = c.b.spec.constants[0].second;
  Program p(c.b.spec);
  std::vector<Tensor> before = p.run(engine(), ptrs_of(c.inputs), aivm::Isa::SCALAR, 1);
  w.ptr<float>()[0] += 1.0f;
  std::vector<Tensor> after = p.run(engine(), ptrs_of(c.inputs), aivm::Isa::SCALAR, 1);
  CHECK(!same_bits(before[1], after[1]));
  std::vector<aivm::Hash32> h;
  CHECK(all_same(after, reference(c.b.spec, c.inputs, &h)));
}

TEST(reused_arenas_leave_nothing_behind) {
  // Arenas go back to the program for the next run: what one run left in them,
  // also a run that failed halfway (its first nodes wrote the arena, then a
  // Gather met an index out of range), must not reach another's outputs (each
  // node's outputs are zeroed before it computes).
  Builder b;
  int x = b.input(DType::F32, {64});
  int idx = b.input(DType::I64, {8});
  int relu = b.value(DType::F32, {64}), neg = b.value(DType::F32, {64}), mm = b.value(DType::F32, {64});
  int picked = b.value(DType::F32, {8});
  b.node("relu", "Relu", {x}, {relu});
  b.node("neg", "Neg", {relu}, {neg});
  b.node("mul", "Mul", {neg, x}, {mm});
  b.node("gather", "Gather", {mm, idx}, {picked}, attrs1("axis", attr_int(0)));
  b.spec.outputs = {picked};
  Program p(b.spec);
  auto indices = [](int64_t first) {
    Tensor t = aivm::make_tensor(DType::I64, {8}, "test");
    for (int64_t k = 0; k < 8; ++k) t.ptr<int64_t>()[k] = first + 7 * k;
    return t;
  };
  const std::vector<Tensor> good{random_f32({64}, 41, 2.0f), indices(3)};
  const std::vector<Tensor> other{random_f32({64}, 42, 2.0f), indices(5)};
  const std::vector<Tensor> bad{random_f32({64}, 43, 2.0f), indices(20)};  // 20 + 49 = 69 > 63
  std::vector<aivm::Hash32> h;
  const std::vector<Tensor> ref = reference(b.spec, good, &h);
  const std::vector<Tensor> ref_other = reference(b.spec, other, &h);
  for (int k = 0; k < 6; ++k) {
    CHECK_THROWS_CODE(E_INDEX, p.run(engine(), ptrs_of(bad), aivm::Isa::SCALAR, 1));
    const bool mine = k % 2 == 0;
    CHECK(all_same(p.run(engine(), ptrs_of(mine ? good : other), aivm::Isa::SCALAR, 1 + k % 2), mine ? ref : ref_other));
  }
}

TEST(spare_arenas_are_counted_and_freed_with_their_program) {
  // One spare per program, counted process-wide against ArenaCache::kBudgetBytes.
  const int64_t before = aivm::ArenaCache::spare_bytes();
  {
    Chain c;
    Program p(c.b.spec);
    CHECK(aivm::ArenaCache::spare_bytes() == before);  // nothing kept before a run
    p.run(engine(), ptrs_of(c.inputs), aivm::Isa::SCALAR, 1);
    const int64_t one = aivm::ArenaCache::spare_bytes() - before;
    CHECK(one > p.arena_bytes() && one <= aivm::ArenaCache::kBudgetBytes);  // the arena and its guard
    p.run(engine(), ptrs_of(c.inputs), aivm::Isa::SCALAR, 2);
    CHECK(aivm::ArenaCache::spare_bytes() - before == one);  // reused, not a second one
  }
  CHECK(aivm::ArenaCache::spare_bytes() == before);  // freed with the program
}

TEST(concurrent_runs_agree) {
  Chain c;
  Program p(c.b.spec);
  std::vector<Tensor> ref = p.run(engine(), ptrs_of(c.inputs), aivm::Isa::SCALAR, 1);
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        aivm::Isa isa = aivm::available_isas()[size_t(k + t) % aivm::available_isas().size()];
        std::vector<Tensor> got = p.run(engine(), ptrs_of(c.inputs), isa, 1 + (k + t) % 3);
        if (!all_same(got, ref)) ++bad;
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK(bad == 0);
}

TEST(build_errors) {
  auto expect = [](ErrorCode code, const ProgramSpec& spec, const std::string& needle, const std::string& what) {
    try {
      Program p(spec);
      CHECK_MSG(false, what + ": built");
    } catch (const aivm::Error& e) {
      CHECK_MSG(e.code() == code, what + ": " + e.what());
      CHECK_MSG(std::string(e.what()).find(needle) != std::string::npos, what + ": message '" + e.what() +
                                                                                "' lacks '" + needle + "'");
    }
  };
  auto base = [] {
    Builder b;
    int x = b.input(DType::F32, {2, 3});
    int y = b.value(DType::F32, {2, 3});
    b.node("r", "Relu", {x}, {y});
    b.spec.outputs = {y};
    return b;
  };
  { Builder b = base(); Program ok(b.spec); }
  { Builder b = base(); b.spec.inputs.push_back(7); expect(ErrorCode::E_ARG, b.spec, "value 7", "input id out of range"); }
  { Builder b = base(); b.spec.nodes[0].inputs[0] = -2; expect(ErrorCode::E_ARG, b.spec, "'r'", "node input id < -1"); }
  { Builder b = base(); b.spec.nodes[0].outputs[0] = 0; expect(ErrorCode::E_ARG, b.spec, "defined twice", "node redefines input"); }
  {
    Builder b = base();
    b.node("again", "Relu", {0}, {1});
    expect(ErrorCode::E_ARG, b.spec, "defined twice", "two nodes define a value");
  }
  {
    Builder b = base();
    int z = b.value(DType::F32, {2, 3});
    b.spec.nodes[0].inputs[0] = z;  // z is never defined
    expect(ErrorCode::E_ARG, b.spec, "topological", "use before definition");
  }
  {
    Builder b = base();
    int z = b.value(DType::F32, {2, 3}), w = b.value(DType::F32, {2, 3});
    b.node("late", "Relu", {z}, {w});  // reads z, defined by the next node
    b.node("early", "Relu", {1}, {z});
    expect(ErrorCode::E_ARG, b.spec, "'late'", "nodes out of order");
  }
  { Builder b = base(); b.spec.outputs.push_back(b.value(DType::F32, {1})); expect(ErrorCode::E_ARG, b.spec, "never defined", "undefined output"); }
  { Builder b = base(); b.spec.outputs.push_back(9); expect(ErrorCode::E_ARG, b.spec, "value 9", "output out of range"); }
  { Builder b = base(); b.spec.nodes[0].op = "Nope"; expect(ErrorCode::E_UNSUPPORTED_OP, b.spec, "'r'", "unknown op"); }
  { Builder b = base(); b.spec.nodes[0].inputs.push_back(0); expect(ErrorCode::E_ARITY, b.spec, "'r'", "too many inputs"); }
  {
    Builder b = base();
    b.spec.nodes[0].outputs.push_back(b.value(DType::F32, {2, 3}));
    expect(ErrorCode::E_ARITY, b.spec, "'r'", "more outputs than the op has");
  }
  { Builder b = base(); b.spec.nodes[0].attrs.set("alpha", attr_float(1)); expect(ErrorCode::E_ATTR, b.spec, "'r'", "unknown attribute"); }
  { Builder b = base(); b.spec.values[1].shape = {3, 2}; expect(ErrorCode::E_SHAPE, b.spec, "'r'", "declared shape"); }
  { Builder b = base(); b.spec.values[1].dtype = DType::I32; expect(ErrorCode::E_SHAPE, b.spec, "'r'", "declared dtype"); }
  { Builder b = base(); b.spec.values[0].shape = {2, -3}; expect(ErrorCode::E_SHAPE, b.spec, "value 0", "negative dim"); }
  {
    Builder b = base();
    int c = b.constant(random_f32({4, 5}, 60));
    int y = b.value(DType::F32, {2, 3});
    b.node("bad_add", "Add", {0, c}, {y});
    expect(ErrorCode::E_SHAPE, b.spec, "'bad_add'", "infer failure names the node");
  }
  {
    Builder b = base();
    int shape = b.input(DType::I64, {2});  // a run-time shape: cannot be planned
    int y = b.value(DType::F32, {3, 2});
    b.node("resh", "Reshape", {1, shape}, {y});
    expect(ErrorCode::E_ARG, b.spec, "must be a constant", "data input not constant");
  }
  {
    Builder b = base();
    int c = b.value(DType::F32, {2, 2});
    b.spec.constants.emplace_back(c, random_f32({2, 3}, 61));
    expect(ErrorCode::E_SHAPE, b.spec, "constant 0", "constant shape");
    b.spec.constants[0].second = tensor_i32({2, 2}, {1, 2, 3, 4});
    expect(ErrorCode::E_DTYPE, b.spec, "constant 0", "constant dtype");
  }
  {
    Builder b = base();
    b.spec.constants.emplace_back(0, random_f32({2, 3}, 62));  // value 0 is the input
    expect(ErrorCode::E_ARG, b.spec, "defined twice", "constant redefines input");
  }
}

// The builder lowering uses: each node inferred once, as it is added. Fed the
// Chain's nodes, it gives back the specs the Chain declares (written by hand
// above), and its Program has Program(spec)'s plan and bits.
TEST(builder_infers_each_node_as_it_is_added) {
  Chain c;
  const ProgramSpec& spec = c.b.spec;
  aivm::ProgramBuilder pb;
  std::vector<int> built(spec.values.size(), -1);
  for (int id : spec.inputs) built[size_t(id)] = pb.add_input(spec.values[size_t(id)]);
  for (const auto& k : spec.constants) built[size_t(k.first)] = pb.add_constant(k.second);
  for (const auto& n : spec.nodes) {
    std::vector<int> ins;
    for (int id : n.inputs) ins.push_back(id < 0 ? -1 : built[size_t(id)]);
    std::vector<int> outs = pb.add_node(n.name, n.op, n.attrs, ins);
    CHECK_MSG(outs.size() >= n.outputs.size(), n.name);
    for (size_t j = 0; j < n.outputs.size(); ++j) {
      if (n.outputs[j] < 0) continue;
      const aivm::TensorSpec& want = spec.values[size_t(n.outputs[j])];
      CHECK_MSG(pb.spec(outs[j]).dtype == want.dtype && pb.spec(outs[j]).shape == want.shape, n.name + " output spec");
      built[size_t(n.outputs[j])] = outs[j];
    }
  }
  CHECK(pb.num_nodes() == spec.nodes.size());
  std::vector<int> outputs;
  for (int id : spec.outputs) outputs.push_back(built[size_t(id)]);
  Program from_builder = pb.build(outputs), from_spec(spec);
  check_plan(from_builder, "builder");
  CHECK(from_builder.arena_bytes() == from_spec.arena_bytes() && from_builder.output_bytes() == from_spec.output_bytes());
  CHECK(from_builder.slots().size() == from_spec.slots().size());
  for (size_t i = 0; i < from_spec.slots().size(); ++i) {
    CHECK(from_builder.slots()[i].offset == from_spec.slots()[i].offset &&
          from_builder.slots()[i].bytes == from_spec.slots()[i].bytes);
  }
  std::vector<aivm::Hash32> ref_hashes, hashes;
  std::vector<Tensor> ref = reference(spec, c.inputs, &ref_hashes);
  for (aivm::Isa isa : aivm::available_isas()) {
    CHECK_MSG(all_same(from_builder.run(engine(), ptrs_of(c.inputs), isa, 2, &hashes), ref), aivm::isa_name(isa));
    CHECK(hashes == ref_hashes);
  }
  // Built again with other outputs (what a trace with every value does): the
  // first program is unaffected, and the new one returns the values asked for.
  Program relu_only = pb.build({built[size_t(spec.nodes[2].outputs[0])]});
  std::vector<Tensor> relu = relu_only.run(engine(), ptrs_of(c.inputs), aivm::Isa::SCALAR, 1);
  Tensor mm = run("MatMul", {&c.inputs[0], &spec.constants[0].second})[0];
  Tensor add = run("Add", {&mm, &spec.constants[1].second})[0];
  std::vector<Tensor> one = run("Relu", {&add});
  CHECK(relu.size() == 1 && same_bits(relu[0], one[0]));
  CHECK(all_same(from_builder.run(engine(), ptrs_of(c.inputs), aivm::Isa::SCALAR, 1), ref));
}

TEST(builder_errors_add_nothing) {
  aivm::ProgramBuilder pb;
  int x = pb.add_input({DType::F32, {2, 3}});
  int shape = pb.add_input({DType::I64, {2}});
  auto refused = [&](ErrorCode code, const std::string& needle, const std::string& what, auto add) {
    const int values = pb.num_values();
    const size_t nodes = pb.num_nodes();
    try {
      add();
      CHECK_MSG(false, what + ": added");
    } catch (const aivm::Error& e) {
      CHECK_MSG(e.code() == code, what + ": " + e.what());
      CHECK_MSG(std::string(e.what()).find(needle) != std::string::npos, what + ": " + e.what());
    }
    CHECK_MSG(pb.num_values() == values && pb.num_nodes() == nodes, what + ": the builder changed");
  };
  refused(ErrorCode::E_UNSUPPORTED_OP, "'n' (Nope)", "unknown op", [&] { pb.add_node("n", "Nope", {}, {x}); });
  refused(ErrorCode::E_ARG, "value 9", "input id", [&] { pb.add_node("n", "Relu", {}, {9}); });
  refused(ErrorCode::E_ARG, "must be a constant", "run-time shape", [&] { pb.add_node("n", "Reshape", {}, {x, shape}); });
  int other = pb.add_constant(random_f32({4, 5}, 80));
  refused(ErrorCode::E_SHAPE, "'n' (Add)", "infer failure", [&] { pb.add_node("n", "Add", {}, {x, other}); });
  std::vector<int> outs = pb.add_node("ok", "Relu", {}, {x});
  CHECK(outs.size() == 1 && pb.spec(outs[0]).shape == Shape({2, 3}));
  CHECK_THROWS_CODE(E_ARG, pb.build({outs[0] + 1}));
  CHECK_THROWS_CODE(E_ARG, pb.spec(-1));
}

TEST(builder_failures_change_nothing) {
  aivm::ProgramBuilder pb;
  int x = pb.add_input({DType::F32, {2, 3}});
  // A Reshape whose infer fails must not keep a copy of its shape constant: the
  // copy is taken when a node using it is added, from the bytes of that moment.
  Tensor shape = vector_i64({5, 5});
  int s = pb.add_constant(shape);
  CHECK_THROWS_CODE(E_SHAPE, pb.add_node("bad", "Reshape", {}, {x, s}));
  shape.ptr<int64_t>()[0] = 3;
  shape.ptr<int64_t>()[1] = 2;
  std::vector<int> outs = pb.add_node("good", "Reshape", {}, {x, s});
  CHECK(pb.spec(outs[0]).shape == Shape({3, 2}));
  // Once taken, the copy is what the program keeps.
  shape.ptr<int64_t>()[0] = 6;
  shape.ptr<int64_t>()[1] = 1;
  Program p = pb.build(outs);
  Tensor in = random_f32({2, 3}, 90);
  CHECK(p.run(engine(), {&in}, aivm::Isa::SCALAR, 1)[0].shape == Shape({3, 2}));

  // An output over kMaxBytes (a 64 GiB float32 input cast to int64): refused
  // after infer, naming the node's output, and nothing added.
  int big = pb.add_input({DType::F32, {aivm::kMaxBytes / 4}});
  const int values = pb.num_values();
  try {
    pb.add_node("widen", "Cast", attrs1("to", attr_int(7)), {big});
    CHECK(false);
  } catch (const aivm::Error& e) {
    CHECK_MSG(e.code() == ErrorCode::E_TOO_LARGE, e.what());
    CHECK_MSG(std::string(e.what()).find("'widen' (Cast) output 0") != std::string::npos, e.what());
  }
  CHECK(pb.num_values() == values && pb.num_nodes() == 1);
}

TEST(builder_limits) {
  {
    aivm::ProgramBuilder pb;
    CHECK_THROWS_CODE(E_TOO_LARGE, pb.add_input({DType::F32, {aivm::kMaxBytes / 4 + 1}}));
    CHECK_THROWS_CODE(E_SHAPE, pb.add_input({DType::F32, {2, -1}}));
    CHECK(pb.num_values() == 0);
  }
  {
    aivm::ProgramBuilder pb;
    for (int64_t i = 0; i < aivm::kMaxProgramValues; ++i) pb.add_input({DType::F32, {1}});
    CHECK_THROWS_CODE(E_TOO_LARGE, pb.add_input({DType::F32, {1}}));
  }
  {
    aivm::ProgramBuilder pb;
    int v = pb.add_input({DType::F32, {1}});
    for (int64_t i = 0; i < aivm::kMaxProgramNodes; ++i) pb.add_node("", "Relu", {}, {v});
    CHECK_THROWS_CODE(E_TOO_LARGE, pb.add_node("", "Relu", {}, {v}));
    CHECK(int64_t(pb.num_nodes()) == aivm::kMaxProgramNodes);
  }
  {
    aivm::ProgramBuilder pb;
    int v = pb.add_input({DType::F32, {1}});
    aivm::Attrs huge = attrs1("note", attr_string(std::string(size_t(aivm::kMaxProgramAttrBytes), 'x')));
    CHECK_THROWS_CODE(E_TOO_LARGE, pb.add_node("n", "Relu", huge, {v}));
    CHECK_THROWS_CODE(E_ARITY, pb.add_node("n", "Concat", attrs1("axis", attr_int(0)),
                                           std::vector<int>(size_t(aivm::kMaxOpInputs) + 1, v)));
    CHECK(pb.num_nodes() == 0);
  }
}

TEST(run_errors_leave_program_usable) {
  // Gather with run-time indices: a bad index fails that run (E_INDEX, naming
  // the node) and the next run works.
  Builder b;
  int x = b.constant(random_f32({5, 3}, 70));
  int idx = b.input(DType::I64, {2});
  int y = b.value(DType::F32, {2, 3});
  b.node("emb", "Gather", {x, idx}, {y});
  b.spec.outputs = {y};
  Program p(b.spec);
  Tensor bad = vector_i64({0, 5}), good = vector_i64({4, -5});
  try {
    p.run(engine(), {&bad}, aivm::Isa::SCALAR, 2);
    CHECK(false);
  } catch (const aivm::Error& e) {
    CHECK(e.code() == ErrorCode::E_INDEX);
    CHECK_MSG(std::string(e.what()).find("'emb'") != std::string::npos, e.what());
  }
  std::vector<Tensor> got = p.run(engine(), {&good}, aivm::Isa::SCALAR, 2);
  std::vector<aivm::Hash32> h;
  CHECK(all_same(got, reference(b.spec, {good}, &h)));

  Tensor f = random_f32({2}, 71), wrong = vector_i64({1, 2, 3});
  CHECK_THROWS_CODE(E_DTYPE, p.run(engine(), {&f}, aivm::Isa::SCALAR, 1));
  CHECK_THROWS_CODE(E_SHAPE, p.run(engine(), {&wrong}, aivm::Isa::SCALAR, 1));
  CHECK_THROWS_CODE(E_ARITY, p.run(engine(), {}, aivm::Isa::SCALAR, 1));
  CHECK_THROWS_CODE(E_ARG, p.run(engine(), {nullptr}, aivm::Isa::SCALAR, 1));
  CHECK_THROWS_CODE(E_THREADS, p.run(engine(), {&good}, aivm::Isa::SCALAR, 0));
  CHECK(all_same(p.run(engine(), {&good}, aivm::Isa::SCALAR, 1), got));
}

TEST(graph_without_nodes_copies_its_outputs) {
  Builder b;
  int x = b.input(DType::I32, {3});
  int c = b.constant(tensor_bool({2}, {1, 0}));
  b.spec.outputs = {c, x, x};
  Program p(b.spec);
  CHECK(p.arena_bytes() == 0);
  Tensor in = tensor_i32({3}, {7, -8, 9});
  std::vector<Tensor> got = p.run(engine(), {&in}, aivm::Isa::SCALAR, 1);
  CHECK(got.size() == 3 && same_bits(got[0], b.spec.constants[0].second) && same_bits(got[1], in) &&
        same_bits(got[2], in));
  CHECK(got[1].data != in.data);
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
