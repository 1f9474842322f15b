// One list of native sources for both builds: binding.gyp expands it with
// <!@(node scripts/sources.js GROUP) and CMakeLists.txt globs the same folders.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const list = (dir) =>
  fs.readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.cc'))
    .sort()
    .map((f) => `${dir}/${f}`);

const groups = {
  // compiled once, with baseline flags: core, the op contracts, the engine
  core: [...list('native/core'), ...list('native/ops'), ...list('native/engine'), 'native/cpu/features.cc'],
  // compiled once per ISA, each time with that ISA's flags and namespace: computes
  isa: [...list('native/cpu/ops'), 'native/cpu/compute_table.cc'],
  napi: list('native/napi'),
};

const group = process.argv[2];
if (!groups[group]) {
  console.error(`usage: node scripts/sources.js ${Object.keys(groups).join('|')}`);
  process.exit(2);
}
process.stdout.write(groups[group].join(' '));
