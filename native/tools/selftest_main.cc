// aivm-selftest: the engine self-test without Node (same cases, same hashes as
// `aivm selftest`). Used to compare builds for other targets and compilers.
//   aivm-selftest [--isa NAME] [--threads N] [--json]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "aivm/engine.h"
#include "core/selftest.h"

int main(int argc, char** argv) {
  std::string isa_name;
  int threads = 1;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) {
      json = true;
    } else if (!std::strcmp(argv[i], "--isa") && i + 1 < argc) {
      isa_name = argv[++i];
    } else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) {
      threads = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: aivm-selftest [--isa NAME] [--threads N] [--json]\n");
      return 2;
    }
  }
  try {
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
