#include "core/fault.h"

#if defined(AIVM_FAULT_INJECTION)
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

namespace aivm::fault {

void inject(Site site, const char* op) {
  const char* env = std::getenv("AIVM_FAULT");
  if (!env || !*env) return;
  std::string spec(env);
  const char* name = site == Site::INFER ? "infer" : site == Site::COMPUTE ? "compute" : "hash";
  std::string prefix = std::string(name) + ":";
  if (spec.compare(0, prefix.size(), prefix) != 0) return;
  std::string rest = spec.substr(prefix.size());
  size_t colon = rest.find(':');
  std::string kind = rest.substr(0, colon);
  if (colon != std::string::npos && rest.substr(colon + 1) != op) return;
  if (kind == "bad_alloc") throw std::bad_alloc();
  if (kind == "std") throw std::runtime_error(std::string("injected fault in ") + name + " of " + op);
  if (kind == "other") throw 42;
}

}  // namespace aivm::fault
#endif
