// What keeps a node alive whatever a kernel or request holds (issue 11,
// docs/RELIABILITY.md): the arena planner is the same first-fit plan in
// O(log n) per value (checked against a direct quadratic scan); a run that is
// cut into the finest pieces the cancellation checks allow gives the same bits
// as run_op; cancel flags and deadlines stop a run and leave the program
// usable; program and runOp sizes are refused before any work.
#include <algorithm>
#include <chrono>

#include "aivm/run_control.h"
#include "core/first_fit.h"
#include "engine/program.h"
#include "engine/selftest.h"
#include "test_util.h"

using aivm::DType;
using aivm::ErrorCode;
using aivm::Program;
using aivm::ProgramSpec;
using aivm::RunControl;
using aivm::Tensor;
using namespace aivm_test;

namespace {

// The placement rule of core/first_fit.h written out directly: the live values
// (last >= first) sorted by offset, the first gap from 0 that fits, else the end.
struct ScanFirstFit {
  struct Placed {
    int64_t off, end;
    int last;
  };
  std::vector<Placed> placed;
  int64_t place(int first, int last, int64_t bytes) {
    std::vector<Placed> live;
    for (const Placed& p : placed) {
      if (p.last >= first) live.push_back(p);
    }
    std::sort(live.begin(), live.end(), [](const Placed& a, const Placed& b) { return a.off < b.off; });
    int64_t at = 0;
    for (const Placed& p : live) {
      if (p.off - at >= bytes) break;
      at = std::max(at, p.end);
    }
    placed.push_back({at, at + bytes, last});
    return at;
  }
};

// One node, every input a constant (so data inputs are too), outputs as infer gives them.
ProgramSpec one_node(const aivm::SelftestCase& c) {
  ProgramSpec spec;
  aivm::ProgramNode node{"n", c.op, c.attrs, {}, {}};
  std::vector<const Tensor*> in;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    bool omitted = i < c.omitted.size() && c.omitted[i];
    in.push_back(omitted ? nullptr : &c.inputs[i]);
    if (omitted) {
      node.inputs.push_back(-1);
      continue;
    }
    spec.values.push_back({c.inputs[i].dtype, c.inputs[i].shape});
    spec.constants.emplace_back(int(spec.values.size()) - 1, c.inputs[i]);
    node.inputs.push_back(int(spec.values.size()) - 1);
  }
  for (const aivm::TensorSpec& s : aivm::infer_op(c.op, in, c.attrs)) {
    spec.values.push_back(s);
    node.outputs.push_back(int(spec.values.size()) - 1);
    spec.outputs.push_back(node.outputs.back());
  }
  spec.nodes.push_back(node);
  return spec;
}

// Equal as the numerics contract defines it: the canonical hash, in which every
// NaN is 0x7FC00000 (an op's NaN sign or payload is not part of the contract).
bool same_hash(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  std::vector<const Tensor*> pa, pb;
  for (const Tensor& t : a) pa.push_back(&t);
  for (const Tensor& t : b) pb.push_back(&t);
  return a.size() == b.size() && aivm::hash_tensors(pa) == aivm::hash_tensors(pb);
}

std::vector<const Tensor*> case_inputs(const aivm::SelftestCase& c) {
  std::vector<const Tensor*> in;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    bool omitted = i < c.omitted.size() && c.omitted[i];
    in.push_back(omitted ? nullptr : &c.inputs[i]);
  }
  return in;
}

// A chain of MatMuls big enough to run for seconds on scalar.
ProgramSpec matmul_chain(int64_t n, int links) {
  ProgramSpec spec;
  for (int i = 0; i < links + 2; ++i) spec.values.push_back({DType::F32, {n, n}});
  spec.inputs = {0, 1};
  for (int i = 0; i < links; ++i) spec.nodes.push_back({"mm" + std::to_string(i), "MatMul", {}, {i == 0 ? 0 : i + 1, 1}, {i + 2}});
  spec.outputs = {links + 1};
  return spec;
}

}  // namespace

TEST(first_fit_matches_the_scan) {
  // Random lifetimes and sizes (64-byte units like the planner's), many values
  // live at once and many freed at once: every offset equal.
  for (uint64_t g = 0; g < 30; ++g) {
    aivm::FirstFit fast;
    ScanFirstFit scan;
    int first = 0;
    for (uint64_t i = 0; i < 600; ++i) {
      uint64_t r = aivm::rng_u64(77, g, i);
      first += int(r % 3 == 0);
      int last = first + int((r >> 8) % (g % 5 == 0 ? 400 : 30));
      int64_t bytes = 64 * int64_t(1 + (r >> 20) % (g % 2 ? 8 : 300));
      int64_t a = fast.place(first, last, bytes), b = scan.place(first, last, bytes);
      CHECK_MSG(a == b, "graph " + std::to_string(g) + " value " + std::to_string(i) + ": " + std::to_string(a) +
                            " vs " + std::to_string(b));
      if (a != b) return;
    }
  }
}

TEST(finest_pieces_give_the_same_results) {
  // max_piece = 1: a cancellation check before every unit of every
  // parallel_for and GEMM block; on every ISA and 1 and 3 threads.
  RunControl finest;
  finest.set_max_piece(1);
  int checked = 0;
  for (const aivm::SelftestCase& c : aivm::selftest_cases()) {
    std::vector<Tensor> ref = run(c.op, case_inputs(c), c.attrs);
    Program p(one_node(c));
    for (aivm::Isa isa : aivm::available_isas()) {
      for (int threads : {1, 3}) {
        std::vector<Tensor> got = p.run(engine(), {}, isa, threads, nullptr, &finest);
        bool same = same_hash(got, ref);
        CHECK_MSG(same, c.op + " on " + aivm::isa_name(isa) + " x" + std::to_string(threads));
      }
    }
    ++checked;
  }
  CHECK(checked > 100);
  // And a GEMM of several blocks in each direction, threaded.
  aivm::SelftestCase mm{"MatMul", {random_f32({300, 700}, 1), random_f32({700, 300}, 2)}, {}, {}};
  std::vector<Tensor> ref = run(mm.op, case_inputs(mm), mm.attrs);
  Program p(one_node(mm));
  for (aivm::Isa isa : aivm::available_isas()) CHECK(same_hash(p.run(engine(), {}, isa, 2, nullptr, &finest), ref));
}

TEST(cancel_flag_and_deadline_stop_a_run) {
  Program p(matmul_chain(1024, 6));
  Tensor a = random_f32({1024, 1024}, 5), b = random_f32({1024, 1024}, 6);
  int32_t flag = RunControl::kCancel;
  RunControl cancelled;
  cancelled.set_flag(&flag);
  CHECK_THROWS_CODE(E_CANCELLED, p.run(engine(), {&a, &b}, aivm::Isa::SCALAR, 2, nullptr, &cancelled));
  flag = RunControl::kTimeout;
  CHECK_THROWS_CODE(E_TIMEOUT, p.run(engine(), {&a, &b}, aivm::Isa::SCALAR, 2, nullptr, &cancelled));
  // A deadline that passes inside the first MatMul (seconds of scalar work).
  RunControl deadline;
  deadline.set_timeout_ms(20);
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_CODE(E_TIMEOUT, p.run(engine(), {&a, &b}, aivm::Isa::SCALAR, 1, nullptr, &deadline));
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("  deadline 20 ms: the run stopped after %.1f ms\n", ms);
  // Still usable, and a run that is never stopped is unchanged by a control.
  Program small(matmul_chain(16, 3));
  Tensor c = random_f32({16, 16}, 7), d = random_f32({16, 16}, 8);
  flag = RunControl::kGo;
  RunControl idle;
  idle.set_flag(&flag);
  idle.set_timeout_ms(60000);
  CHECK(same_bits(small.run(engine(), {&c, &d}, aivm::Isa::SCALAR, 2, nullptr, &idle)[0],
                  small.run(engine(), {&c, &d}, aivm::Isa::SCALAR, 1)[0]));
}

TEST(program_and_op_limits) {
  ProgramSpec many;
  many.values.push_back({DType::F32, {1}});
  many.values.push_back({DType::F32, {1}});
  many.inputs = {0};
  many.outputs = {1};
  many.nodes.assign(size_t(aivm::kMaxProgramNodes + 1), {"r", "Relu", {}, {0}, {1}});
  CHECK_THROWS_CODE(E_TOO_LARGE, Program{many});
  ProgramSpec values;
  values.values.assign(size_t(aivm::kMaxProgramValues + 1), {DType::F32, {1}});
  values.inputs = {0};
  values.outputs = {0};
  CHECK_THROWS_CODE(E_TOO_LARGE, Program{values});
  // Unused outputs count as values too: a Split whose outputs are all unlisted.
  ProgramSpec split;
  split.values.push_back({DType::F32, {aivm::kMaxOpOutputs}});
  split.inputs = {0};
  split.outputs = {0};
  for (int k = 0; k < 9; ++k) {
    split.nodes.push_back({"s" + std::to_string(k), "Split", attrs1("num_outputs", attr_int(aivm::kMaxOpOutputs)), {0}, {}});
  }
  CHECK_THROWS_CODE(E_TOO_LARGE, Program{split});
  // Split over the per-op output limit, by attribute and by split entries.
  Tensor x = random_f32({4}, 9);
  CHECK_THROWS_CODE(E_TOO_LARGE, run("Split", {&x}, attrs1("num_outputs", attr_int(aivm::kMaxOpOutputs + 1))));
  std::vector<int64_t> ones(size_t(aivm::kMaxOpOutputs + 1), 1);
  Tensor sizes = vector_i64(ones), wide = random_f32({aivm::kMaxOpOutputs + 1}, 10);
  CHECK_THROWS_CODE(E_TOO_LARGE, run("Split", {&wide, &sizes}));
  // run_op's output budget, before allocating.
  Tensor one = random_f32({1}, 11), shape = vector_i64({int64_t(1) << 30});
  CHECK_THROWS_CODE(E_MEMORY_LIMIT, engine().run_op("Expand", {&one, &shape}, {}, aivm::Isa::SCALAR, 1, 4096));
  CHECK_THROWS_CODE(E_MEMORY_LIMIT, engine().run_op("Expand", {&one, &shape}, {}, aivm::Isa::SCALAR, 1, aivm::kDefaultRunOpMaxBytes));
}

// Found by npm run fuzz (libFuzzer, UBSan): an empty tensor passed the element
// limit with any other dims, and its strides overflowed int64 (Equal on
// [0, 60, 2^63-1]). The non-zero dims of any tensor are bounded now.
TEST(empty_tensors_have_bounded_dims) {
  CHECK(aivm::checked_numel({0, 60, int64_t(1) << 28}, "t", "x") == 0);
  CHECK_THROWS_CODE(E_TOO_LARGE, aivm::checked_numel({0, 60, INT64_MAX}, "t", "x"));
  CHECK_THROWS_CODE(E_TOO_LARGE, aivm::checked_numel({int64_t(1) << 20, 0, int64_t(1) << 20}, "t", "x"));
  Tensor a;
  a.shape = {0, 60, INT64_MAX};
  Tensor b = random_f32({1}, 12);
  CHECK_THROWS_CODE(E_TOO_LARGE, run("Equal", {&a, &b}));
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
