// aivm-selftest: the engine self-test without Node (same cases, same hashes as
// `aivm selftest`). Used to compare builds for other targets and compilers.
//   aivm-selftest [--isa NAME] [--threads N] [--json]
//   aivm-selftest --program FILE [--isa NAME] [--threads N]
//   aivm-selftest --device      (what the CUDA backend can use here)
// The second form runs one kernel vector exported by `aivm export` and prints its
// output hash next to the expected (golden) one; exit 0 when they are equal.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "aivm/engine.h"
#include "engine/selftest.h"
#include "tools/program_file.h"

#include <fstream>
#include <iterator>
#include <vector>

namespace {

int run_program_file(const std::string& path, const std::string& isa_name, int threads) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw aivm::Error(aivm::ErrorCode::E_ARG, "cannot open " + path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  aivm::ProgramFile f = aivm::read_program_file(bytes);
  aivm::Isa isa = isa_name.empty() ? aivm::default_isa() : aivm::resolve_isa(isa_name);
  aivm::Program program(std::move(f.spec));
  aivm::Engine engine;
  std::vector<const aivm::Tensor*> inputs;
  for (const aivm::Tensor& t : f.inputs) inputs.push_back(&t);
  std::vector<aivm::Tensor> outputs = program.run(engine, inputs, isa, threads);
  std::vector<const aivm::Tensor*> outs;
  for (const aivm::Tensor& t : outputs) outs.push_back(&t);
  std::string got = aivm::hex(aivm::hash_tensors(outs));
  bool equal = got == f.expected_hash;
  std::printf("{\"kernel\":\"%s\",\"vector\":\"%s\",\"isa\":\"%s\",\"threads\":%d,\"outputHash\":\"%s\","
              "\"expected\":\"%s\",\"equal\":%s}\n",
              f.kernel.c_str(), f.vector.c_str(), aivm::isa_name(isa), threads, got.c_str(), f.expected_hash.c_str(),
              equal ? "true" : "false");
  return equal ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string isa_name, program;
  int threads = 1;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--device")) {
      std::printf("cuda: %s\n", aivm::cuda_status().c_str());
      return 0;
    } else if (!std::strcmp(argv[i], "--json")) {
      json = true;
    } else if (!std::strcmp(argv[i], "--isa") && i + 1 < argc) {
      isa_name = argv[++i];
    } else if (!std::strcmp(argv[i], "--program") && i + 1 < argc) {
      program = argv[++i];
    } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: aivm-selftest [--isa NAME] [--threads N] [--json] | --program FILE [--isa NAME] [--threads N] | --device\n");
      return 2;
    }
  }
  try {
    if (!program.empty()) return run_program_file(program, isa_name, threads);
    aivm::Isa isa = isa_name.empty() ? aivm::default_isa() : aivm::resolve_isa(isa_name);
    aivm::Engine engine;
    aivm::SelftestResult r = aivm::run_selftest(engine, isa, threads);
    if (json) {
      std::printf("{\"isa\":\"%s\",\"threads\":%d,\"numerics\":\"%s\",\"ops\":{", r.isa.c_str(), r.threads,
                  aivm::kNumericsVersion);
      for (size_t i = 0; i < r.ops.size(); ++i) {
        std::printf("%s\"%s\":\"%s\"", i ? "," : "", r.ops[i].first.c_str(), r.ops[i].second.c_str());
      }
      std::printf("},\"total\":\"%s\"}\n", r.total.c_str());
    } else {
      std::printf("selftest %s isa=%s threads=%d (%d cases)\n", aivm::kNumericsVersion, r.isa.c_str(), r.threads,
                  r.cases);
      for (const auto& kv : r.ops) std::printf("  %-20s %s\n", kv.first.c_str(), kv.second.c_str());
      std::printf("total  %s\n", r.total.c_str());
    }
    return 0;
  } catch (const aivm::Error& e) {
    std::fprintf(stderr, "aivm-selftest: %s: %s\n", aivm::error_code_name(e.code()), e.what());
    return 1;
  }
}
