#!/usr/bin/env node
// Checks a built binary for ISA leaks: code outside aivm::cpu::avx2 / avx512
// (the baseline engine, the scalar backend, and every inline or template copy
// the linker kept once for all ISAs) must not contain AVX/AVX-512/FMA
// instructions, and AVX2 code must not contain AVX-512. A leak would crash the
// "scalar" path on an older CPU or make the dispatcher lie.
//   node scripts/check-isa-leaks.mjs [path/to/binary]   (default: build/Release/aivm_native.node)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const binary = process.argv[2] ?? path.join(root, 'build', 'Release', 'aivm_native.node');
if (process.arch !== 'x64') {
  console.log(`check-isa-leaks: x86-64 only, skipped on ${process.arch}`);
  process.exit(0);
}
const r = spawnSync('objdump', ['-d', '-C', '--no-show-raw-insn', binary], { encoding: 'utf8', maxBuffer: 1 << 30 });
if (r.status !== 0) {
  console.error(`check-isa-leaks: objdump failed: ${r.stderr || r.error?.message}`);
  process.exit(1);
}
const avx = /%ymm|%zmm|\bv(fn?m(add|sub)|broadcast|perm|gather)|%k[0-7]/;
const avx512 = /%zmm|%k[0-7]|%[xy]mm(1[6-9]|2\d|3[01])\b/;
let fn = '';
const leaks = new Map();
for (const line of r.stdout.split('\n')) {
  const head = line.match(/^[0-9a-f]+ <(.*)>:$/);
  if (head) {
    fn = head[1];
    continue;
  }
  const inAvx512 = fn.includes('cpu::avx512::') || fn.includes('peak_avx512');
  const inAvx2 = fn.includes('cpu::avx2::');
  const bad = inAvx512 ? null : inAvx2 ? avx512 : avx;
  if (bad && bad.test(line)) {
    if (!leaks.has(fn)) leaks.set(fn, line.trim());
  }
}
if (leaks.size) {
  console.error(`check-isa-leaks: ${leaks.size} function(s) in ${binary} use instructions their ISA may lack:`);
  for (const [f, l] of [...leaks].slice(0, 40)) console.error(`  ${f}\n      ${l}`);
  process.exit(1);
}
console.log(`check-isa-leaks: ok (${binary})`);
