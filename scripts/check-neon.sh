#!/usr/bin/env bash
# Cross-compiles the engine for aarch64 (scalar + NEON backends) with the same
# strict flags, links the standalone self-test statically, and — when qemu is
# present — runs it and compares its hashes with this machine's scalar run.
# Needs: apt-get install g++-aarch64-linux-gnu qemu-user-static
set -euo pipefail
cd "$(dirname "$0")/.."
CXX=${AARCH64_CXX:-aarch64-linux-gnu-g++}
command -v "$CXX" >/dev/null || { echo "check-neon: $CXX not found (apt-get install g++-aarch64-linux-gnu)"; exit 1; }
out=build-aarch64
mkdir -p "$out"
flags=(-std=c++17 -O2 -ffp-contract=off -fno-fast-math -fno-unsafe-math-optimizations -fno-finite-math-only
       -fsigned-zeros -ftrapping-math -fno-math-errno -Wall -Inative/include -Inative)
objs=()
compile() {  # src obj extra-flags...
  local src=$1 obj=$2; shift 2
  if [[ ! -f $obj || $src -nt $obj || -n $(find native -newer "$obj" -name '*.h' -print -quit) ]]; then
    "$CXX" "${flags[@]}" "$@" -c "$src" -o "$obj"
  fi
  objs+=("$obj")
}
for src in $(node scripts/sources.js core) native/tools/selftest_main.cc native/tools/program_file.cc; do
  compile "$src" "$out/core_$(basename "${src%.cc}").o" -DAIVM_HAVE_SCALAR -DAIVM_HAVE_NEON &
done
wait
for isa in scalar neon; do
  extra=(-DAIVM_ISA_NS=$isa)
  [[ $isa == scalar ]] && extra+=(-fno-tree-vectorize -fno-tree-slp-vectorize)
  [[ $isa == neon ]] && extra+=(-fvect-cost-model=dynamic)
  for src in $(node scripts/sources.js isa); do
    compile "$src" "$out/${isa}_$(basename "${src%.cc}").o" "${extra[@]}" &
  done
  wait
done
objs=("$out"/core_*.o "$out"/scalar_*.o "$out"/neon_*.o)
"$CXX" -static -pthread "${objs[@]}" -o "$out/aivm-selftest"
echo "check-neon: built $out/aivm-selftest (aarch64, static)"

if ! command -v qemu-aarch64-static >/dev/null; then
  echo "check-neon: qemu-aarch64-static not found; compiled only"
  exit 0
fi
cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-native -j "$(nproc)" --target aivm_selftest >/dev/null
ref=$(./build-native/aivm_selftest --isa scalar --json)
status=0
for isa in scalar neon; do
  for threads in 1 3; do
    got=$(qemu-aarch64-static "$out/aivm-selftest" --isa $isa --threads $threads --json)
    if [[ "$got" == "${ref/\"isa\":\"scalar\",\"threads\":1/\"isa\":\"$isa\",\"threads\":$threads}" ]]; then
      echo "check-neon: aarch64 $isa x$threads == x86-64 scalar  $(echo "$got" | grep -o '"total":"[^"]*"')"
    else
      echo "check-neon: MISMATCH aarch64 $isa x$threads"
      diff <(echo "$ref" | tr ',' '\n') <(echo "$got" | tr ',' '\n') | head -20 || true
      status=1
    fi
  done
done
exit $status
