// A Program is a whole graph checked, shape-inferred and memory-planned once,
// then run many times. Building it validates every id, arity and attribute and
// infers each node once (a ProgramBuilder, node by node, as lowering adds them;
// or Program(ProgramSpec), which also compares the spec's declared shapes), so
// run() only checks its inputs and executes. Intermediate values share one
// arena laid out at build time; graph outputs get their own buffers (they
// outlive the run).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "aivm/attrs.h"
#include "aivm/engine.h"
#include "aivm/hash.h"
#include "aivm/tensor.h"
#include "ops/op.h"

namespace aivm {

struct ProgramNode {
  std::string name;
  std::string op;
  Attrs attrs;
  std::vector<int> inputs;   // value ids; -1 = an omitted optional input
  std::vector<int> outputs;  // value ids; may list fewer than the op has, -1 = unused
};

struct ProgramSpec {
  std::vector<TensorSpec> values;  // every value id 0..n-1 with its concrete dtype and shape
  // Borrowed: the bytes stay where the caller put them (its Tensor.storage, or
  // the N-API layer's references, keep them alive) and are never copied, except
  // those an op reads to infer shapes (see Program).
  std::vector<std::pair<int, Tensor>> constants;
  std::vector<int> inputs;   // graph input value ids, in run() order
  std::vector<int> outputs;  // graph output value ids, in result order
  std::vector<ProgramNode> nodes;  // in topological order
};

// One value's place in the arena: bytes [offset, offset + bytes) during nodes
// [first, last] (the defining node through the last node reading it).
struct ArenaSlot {
  int value;  // value id in the Program (a ProgramBuilder's numbering: in order of definition)
  int64_t offset, bytes;
  int first, last;
};

// Bytes the attributes take (names, values, and a fixed 16 per attribute):
// what kMaxProgramAttrBytes bounds.
int64_t attrs_bytes(const Attrs& attrs);

// The arena of a program's last run, kept for its next run. An arena freed and
// allocated again each run comes back as fresh pages (glibc maps large blocks
// straight from the kernel), and faulting them in cost more than the elementwise
// ops computing into them. One is kept per program (runs of one program in one
// worker come one after another), and all programs of the process together keep
// at most kBudgetBytes: a node caching programs for many kernels and input
// shapes would otherwise pin an arena for each. Freed with the program.
class ArenaCache {
 public:
  using Block = std::unique_ptr<uint8_t, void (*)(void*)>;
  static constexpr int64_t kBudgetBytes = int64_t(256) << 20;
  explicit ArenaCache(size_t bytes) : bytes_(bytes) {}
  ~ArenaCache();
  ArenaCache(const ArenaCache&) = delete;
  ArenaCache& operator=(const ArenaCache&) = delete;
  // A block of bytes(), 64-byte aligned; throws E_TOO_LARGE when memory is short.
  Block take();
  // Keeps the block for the next take() if the slot is free and the budget allows;
  // frees it otherwise. Never throws: it runs while a stopped run unwinds.
  void give(Block block) noexcept;
  size_t bytes() const { return bytes_; }
  // Bytes of spare arenas the whole process holds now (tests, diagnostics).
  static int64_t spare_bytes();

 private:
  std::mutex mutex_;
  Block spare_{nullptr, std::free};
  size_t bytes_;
};

class ProgramBuilder;

class Program {
 public:
  static constexpr int64_t kAlign = 64;

  // Validates and plans; throws aivm::Error naming the node or value at fault.
  // The spec's size is checked against aivm/limits.h first (E_TOO_LARGE), and
  // building is O(n log n) in nodes + values. The spec's nodes go through a
  // ProgramBuilder, and their declared output specs must equal what it infers.
  explicit Program(ProgramSpec spec);

  int64_t arena_bytes() const { return arena_bytes_; }
  int64_t output_bytes() const { return output_bytes_; }
  const std::vector<ArenaSlot>& slots() const { return slots_; }
  size_t num_nodes() const { return graph_.nodes.size(); }

  // Runs the graph. inputs match the spec's inputs in order and must have the
  // declared dtypes and shapes. node_hashes, when given, receives per node the
  // hash_tensors() of all the outputs its op produced. Safe to call from
  // several threads at once: each run has its own arena.
  // control (may be null) is checked between nodes and inside ops: a stopped run
  // throws E_CANCELLED / E_TIMEOUT after freeing its arena and outputs.
  // node_nanos, when given, receives per node the wall time of its step (output
  // buffers made and zeroed, compute, guard checks; not the trace hash): what
  // the gas calibration and a profiler read. Timing never changes a result.
  std::vector<Tensor> run(Engine& engine, const std::vector<const Tensor*>& inputs, Isa isa, int threads,
                          std::vector<Hash32>* node_hashes = nullptr, const RunControl* control = nullptr,
                          std::vector<int64_t>* node_nanos = nullptr) const;

 private:
  friend class ProgramBuilder;
  enum class Kind { INPUT, CONSTANT, ARENA, OUTPUT };
  struct Value {
    TensorSpec spec;
    Kind kind;
    int index;  // input position, constant index or arena slot (-1 until planned)
  };
  struct Node {
    std::string name;
    OpId op;  // resolved once, at build: a run indexes tables by it
    Attrs attrs;  // as the spec gave them (compute reads params, never these)
    std::vector<int> inputs;   // value ids; -1 = an omitted optional input
    std::vector<int> outputs;  // one per op output, each its own value
    Params params;             // what infer kept for compute, made once when the node was added
  };
  // The checked, inferred graph: what a ProgramBuilder grows node by node and
  // every Program it builds starts from. Value ids are positions in `values`.
  struct Graph {
    std::vector<Value> values;
    std::vector<Tensor> constants;
    std::vector<bool> snapshotted;  // per constant: copied because an op's infer read its bytes
    std::vector<int> inputs;
    std::vector<Node> nodes;
    int64_t attr_bytes = 0;
  };

  // Marks the graph outputs and plans the arena: no op is inferred again.
  Program(Graph graph, const std::vector<int>& outputs);
  void plan_arena();

  Graph graph_;
  std::vector<int> outputs_;
  std::vector<ArenaSlot> slots_;
  int64_t arena_bytes_ = 0, output_bytes_ = 0;
  std::unique_ptr<ArenaCache> arenas_;  // made once the plan is known
};

// Builds a Program one node at a time, the way lowering discovers the graph:
// each node is checked and its outputs inferred once, when it is added (the
// caller gets their specs back, to fold shape arithmetic and price the node),
// and build() only plans. Value ids are given out in order: inputs, constants
// and node outputs as they are added. Not thread-safe; build() may be called
// again (for other graph outputs) and leaves the builder as it was.
class ProgramBuilder {
 public:
  // Throw E_TOO_LARGE past aivm/limits.h (values, nodes, attribute bytes, a value's size).
  int add_input(const TensorSpec& spec);
  // The bytes are borrowed (the caller keeps them alive for every Program built),
  // except those an op reads to infer, which are copied when that op is added.
  int add_constant(const Tensor& constant);
  // Checks the node (op known, input ids defined, build-time data inputs constant),
  // infers it and returns the value ids of all the op's outputs, in order.
  // Throws aivm::Error naming the node; on failure the builder is unchanged
  // (everything is checked before anything is added).
  std::vector<int> add_node(std::string name, const std::string& op, Attrs attrs, std::vector<int> inputs);

  const TensorSpec& spec(int id) const;
  int num_values() const { return int(graph_.values.size()); }
  size_t num_nodes() const { return graph_.nodes.size(); }

  // A Program with these graph outputs (value ids; an input or a constant is
  // copied out at the end of each run). On an rvalue builder the graph is moved.
  Program build(const std::vector<int>& outputs) const&;
  Program build(const std::vector<int>& outputs) &&;

 private:
  int add_value(const TensorSpec& spec, Program::Kind kind, int index);
  void check_id(int id, const std::function<std::string()>& what) const;
  Program::Graph graph_;
};

}  // namespace aivm
