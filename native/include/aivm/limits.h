// Every size limit of the engine, in one place. Each is checked before the
// allocation or the work it bounds, so a hostile kernel or request gets an
// AivmError (E_TOO_LARGE, E_SHAPE, E_ATTR, E_ARITY) instead of exhausting a
// node. engineInfo().limits reports them to JS; docs/RELIABILITY.md lists them.
#pragma once
#include <cstdint>

namespace aivm {

// Tensors: keep every size computation inside int64.
constexpr int kMaxRank = 8;
constexpr int64_t kMaxElements = int64_t(1) << 34;  // 16 Gi elements
constexpr int64_t kMaxBytes = int64_t(1) << 36;     // 64 GiB

// One op: inputs it takes (Concat), outputs it makes (Split's num_outputs or
// split entries), entries of one list attribute, bytes of one string attribute.
constexpr int64_t kMaxOpInputs = int64_t(1) << 16;
constexpr int64_t kMaxOpOutputs = int64_t(1) << 16;
constexpr int64_t kMaxAttrElements = int64_t(1) << 16;
constexpr int64_t kMaxAttrStringBytes = int64_t(1) << 16;
// Index tables an op builds outside any run's memory limit (Resize's per-axis
// taps, in infer: an index and a weight each; Pad's per-axis sources): about 50 MiB.
constexpr int64_t kMaxOpIndexTableEntries = int64_t(1) << 22;

// runOp's default memory limit (its outputs' bytes together): the caller may
// raise it up to kMaxBytes with maxMemoryBytes.
constexpr int64_t kDefaultRunOpMaxBytes = int64_t(1) << 30;  // 1 GiB

// One Program (checked before any planning): its nodes, its values (including
// the outputs nodes make that the graph never reads), and the bytes of all its
// nodes' attributes together. Building is O(n log n) in nodes + values.
constexpr int64_t kMaxProgramNodes = int64_t(1) << 18;
constexpr int64_t kMaxProgramValues = int64_t(1) << 19;
constexpr int64_t kMaxProgramAttrBytes = int64_t(1) << 26;  // 64 MiB

}  // namespace aivm
