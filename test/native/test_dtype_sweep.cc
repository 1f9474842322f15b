// Every op with inputs of every dtype: infer refuses a dtype its computes do not
// handle (E_DTYPE or another caller-facing code), and a dtype it accepts runs on
// every backend without E_INTERNAL ("dtype escaped inference" and the like).
// This is what keeps each op's contract and its computes in step as dtypes are
// added (docs/ADDING_AN_OP.md).
#include <map>
#include <string>

#include "test_util.h"

using aivm::DType;
using aivm::Tensor;
using namespace aivm_test;

namespace {

const DType kDTypes[] = {
#define AIVM_TEST_DTYPE(e, tag, name, T, array) DType::e,
    AIVM_DTYPES(AIVM_TEST_DTYPE)
#undef AIVM_TEST_DTYPE
};

Tensor as_dtype(const Tensor& t, DType d) {
  return run("Cast", {&t}, attrs1("to", attr_int(int64_t(d))))[0];
}

// Runs c with the inputs `replace` picks converted to d, on every backend; an
// E_INTERNAL (or any exception that is not an aivm::Error) is a failure.
void run_converted(const aivm::SelftestCase& c, DType d, const std::vector<bool>& replace, int* accepted) {
  std::vector<Tensor> converted(c.inputs.size());
  std::vector<const Tensor*> in;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const bool omitted = i < c.omitted.size() && c.omitted[i];
    if (!omitted && replace[i]) converted[i] = as_dtype(c.inputs[i], d);
    in.push_back(omitted ? nullptr : replace[i] ? &converted[i] : &c.inputs[i]);
  }
  for (aivm::Isa isa : aivm::available_isas()) {
    const std::string where = c.op + " with " + aivm::dtype_name(d) + " inputs on " + aivm::isa_name(isa);
    try {
      run(c.op, in, c.attrs, isa, 2);
      ++*accepted;
    } catch (const aivm::Error& e) {
      CHECK_MSG(e.code() != aivm::ErrorCode::E_INTERNAL, where + ": " + e.what());
    } catch (const std::exception& e) {
      CHECK_MSG(false, where + ": " + e.what());
    }
  }
}

}  // namespace

TEST(every_op_refuses_or_runs_every_dtype) {
  aivm::CaseList cases = aivm::selftest_cases();
  for (aivm::SelftestCase& c : outside_selftest_cases()) cases.push_back(std::move(c));
  std::map<std::string, int> per_op, accepted;
  for (const aivm::SelftestCase& c : cases) {
    if (++per_op[c.op] > 3) continue;  // a few cases of each op are enough to reach every compute switch
    const size_t n = c.inputs.size();
    for (DType d : kDTypes) {
      // Every input of input 0's dtype converted, then each input alone.
      std::vector<bool> same(n, false);
      for (size_t i = 0; i < n; ++i) same[i] = c.inputs[i].dtype == c.inputs[0].dtype;
      run_converted(c, d, same, &accepted[c.op]);
      for (size_t i = 0; i < n; ++i) {
        std::vector<bool> one(n, false);
        one[i] = true;
        run_converted(c, d, one, &accepted[c.op]);
      }
    }
  }
  CHECK(per_op.size() == aivm::op_names().size());
  // Ops that move bits take every dtype (spot checks that the sweep reached them).
  for (const char* op : {"Transpose", "Reshape", "Concat", "Gather", "Where", "Pad", "Cast"}) {
    CHECK_MSG(accepted[op] >= 18, std::string(op) + " accepted " + std::to_string(accepted[op]));
  }
}

TEST(refusals_name_the_input_and_the_dtypes) {
  Tensor x = as_dtype(tensor_f32({2}, {1, 2}), DType::U8);
  try {
    run("Add", {&x, &x});
    CHECK(false);
  } catch (const aivm::Error& e) {
    CHECK(e.code() == aivm::ErrorCode::E_DTYPE);
    CHECK_MSG(std::string(e.what()).find("input 0 (A) must be float32, float64, int32 or int64, got uint8") != std::string::npos,
              e.what());
  }
}

int main(int argc, char** argv) { return aivm_test::run_all(argc, argv); }
