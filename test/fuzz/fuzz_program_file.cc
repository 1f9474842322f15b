// libFuzzer target: the program-file reader (native/tools/program_file.cc, what
// `aivm_selftest --program` reads) and everything a file it accepts reaches: the
// Program build (ids, arity, every op's infer, the arena plan) and, when the plan
// is small, a run on scalar with one thread and on the widest ISA with two, whose
// output hashes must agree. Seeds: program files of the fixture and shipped
// kernels (`aivm export`, written by scripts/fuzz/libfuzzer.mjs).
#include <cstdint>
#include <vector>

#include "aivm/run_control.h"
#include "engine/program.h"
#include "fuzz_common.h"
#include "tools/program_file.h"

namespace {

// Plans over this are not run: the planner sized them, running would only test
// the allocator. (libFuzzer's -malloc_limit_mb catches any bigger allocation.)
constexpr int64_t kRunBytes = int64_t(16) << 20;
// Per run; a stopped run is E_TIMEOUT, an accepted outcome. A case that still
// takes libFuzzer's -timeout is a hang: something the deadline does not reach.
constexpr double kRunMs = 200;

aivm::Engine& engine() {
  static aivm::Engine e;
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  aivm_fuzz::accepted("program file", [&] {
    aivm::ProgramFile file = aivm::read_program_file(bytes);
    aivm::Program program(std::move(file.spec));
    if (program.arena_bytes() + program.output_bytes() > kRunBytes) return;
    std::vector<const aivm::Tensor*> inputs;
    for (const aivm::Tensor& t : file.inputs) inputs.push_back(&t);
    std::string reference;
    bool ran = aivm_fuzz::accepted("program run (scalar)", [&] {
      aivm::RunControl control;
      control.set_timeout_ms(kRunMs);
      reference = aivm_fuzz::hash_of(program.run(engine(), inputs, aivm::Isa::SCALAR, 1, nullptr, &control));
    });
    if (!ran) return;
    // Scalar finished, so the wide ISA must too (unless its own deadline
    // passed first), and agree bit for bit.
    aivm::Isa wide = aivm_fuzz::widest_cpu_isa();
    std::string got;
    try {
      aivm::RunControl control;
      control.set_timeout_ms(kRunMs);
      got = aivm_fuzz::hash_of(program.run(engine(), inputs, wide, 2, nullptr, &control));
    } catch (const aivm::Error& e) {
      if (e.code() == aivm::ErrorCode::E_TIMEOUT) return;
      aivm_fuzz::finding(std::string("program ran on scalar but not on ") + aivm::isa_name(wide) + ": " + e.what());
    }
    if (got != reference) {
      aivm_fuzz::finding(std::string("program output hash differs: scalar x1 ") + reference + ", " +
                         aivm::isa_name(wide) + " x2 " + got);
    }
  });
  return 0;
}
