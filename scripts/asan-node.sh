#!/usr/bin/env bash
# The N-API layer under AddressSanitizer + UBSan: builds an instrumented copy of the
# addon in a scratch copy of the repository (so build/ stays the normal one) and runs
# the vitest suites that drive native code (programs, runtime, workers, mutated models,
# CLI) with the sanitizer runtimes preloaded into node. The addon is also built with
# -DAIVM_FAULT_INJECTION, so test/unit/faults.test.ts can make the engine throw
# from inside infer, compute and hashing (docs/RELIABILITY.md).
#   npm run test:js:asan
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d /tmp/aivm-asan-node.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
work="$scratch/repo"
mkdir "$work"
cd "$root"
# Tracked and new (not ignored) files, plus the installed node_modules (linked, not copied).
git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents {} "$work"/
ln -s "$root/node_modules" "$work/node_modules"
# The conformance suite sits at ../shared relative to the repository (tests skip without it).
if [ -d "$root/../shared" ]; then ln -s "$(cd "$root/../shared" && pwd)" "$scratch/shared"; fi
cd "$work"
echo "asan-node: building the instrumented addon"
CXXFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DAIVM_FAULT_INJECTION" \
  LDFLAGS="-fsanitize=address,undefined" npm run --silent compile >/dev/null
asan_symbols="$(nm -D build/Release/aivm_native.node | grep -c __asan || true)"
[ "$asan_symbols" -gt 0 ] || { echo "asan-node: the addon is not instrumented"; exit 1; }
export LD_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
echo "asan-node: vitest with the sanitizers preloaded"
npx vitest run test/unit/program.test.ts test/unit/api.test.ts test/unit/faults.test.ts test/runtime test/determinism/kernels.test.ts \
  test/unit/cli-kernels.test.ts test/conformance
