#include "ops/op.h"

#include <algorithm>
#include <utility>

#include "core/thread_pool.h"
#include "ops/families.h"

namespace aivm {

namespace {

struct OpInfo {
  const char* name;
  const char* family;
};

constexpr OpInfo kOps[] = {
#define AIVM_OP_INFO_(name, family) {#name, #family},
    AIVM_OPS(AIVM_OP_INFO_)
#undef AIVM_OP_INFO_
};

[[noreturn]] void table_bug(OpId op, const std::string& what) {
  throw Error(ErrorCode::E_INTERNAL, std::string(op_name(op)) + ": " + what);
}

// Every op's contract, checked complete: a family file that forgot an op of
// op_list.h (or registered one twice) is a build bug, reported on first use.
std::array<OpContract, kOpCount> build_contracts() {
  ContractTable table;
#define AIVM_ADD_CONTRACTS_(family) ops::add_##family##_contracts(table);
  AIVM_OP_FAMILIES(AIVM_ADD_CONTRACTS_)
#undef AIVM_ADD_CONTRACTS_
  std::array<OpContract, kOpCount> out;
  for (int i = 0; i < kOpCount; ++i) {
    const OpContract& c = table[OpId(i)];
    if (!c.infer) table_bug(OpId(i), std::string("no contract in native/ops/") + kOps[i].family + ".cc");
    out[size_t(i)] = c;
  }
  return out;
}

}  // namespace

const char* op_name(OpId op) { return kOps[size_t(op)].name; }
const char* op_family(OpId op) { return kOps[size_t(op)].family; }

bool find_op(const std::string& name, OpId* op) {
  // Sorted once; a binary search per call (graph build and runOp only, never per run).
  static const std::vector<std::pair<std::string, OpId>> sorted = [] {
    std::vector<std::pair<std::string, OpId>> v;
    for (int i = 0; i < kOpCount; ++i) v.emplace_back(kOps[i].name, OpId(i));
    std::sort(v.begin(), v.end());
    return v;
  }();
  auto it = std::lower_bound(sorted.begin(), sorted.end(), name,
                             [](const std::pair<std::string, OpId>& e, const std::string& n) { return e.first < n; });
  if (it == sorted.end() || it->first != name) return false;
  *op = it->second;
  return true;
}

void ContractTable::add(OpId op, OpContract contract) {
  if (contracts_[size_t(op)].infer) table_bug(op, "two contracts");
  if (!contract.infer) table_bug(op, "a contract without infer");
  contracts_[size_t(op)] = std::move(contract);
}

const OpContract& op_contract(OpId op) {
  static const std::array<OpContract, kOpCount> contracts = build_contracts();
  return contracts[size_t(op)];
}

void ComputeTable::add(OpId op, ComputeFn fn) {
  if (fns_[size_t(op)]) table_bug(op, "two computes in one backend");
  fns_[size_t(op)] = fn;
}

const Tensor& OpContext::input(size_t i) const {
  if (i >= inputs.size() || inputs[i] == nullptr) {
    fail(ErrorCode::E_ARITY, op, "input " + std::to_string(i) + " is required");
  }
  return *inputs[i];
}

void OpContext::missing_params() const {
  fail(ErrorCode::E_INTERNAL, op, "compute found no parameters of the expected type (infer keeps them)");
}

void OpContext::parallel_for(int64_t n, int64_t min_chunk,
                             const std::function<void(int64_t, int64_t)>& body) const {
  pool->parallel_for(n, min_chunk, threads, body, control);
}

}  // namespace aivm
