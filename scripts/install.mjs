#!/usr/bin/env node
// npm install's build step.
//   default      node-gyp-build: a matching prebuild, else node-gyp builds the
//                addon from source (binding.gyp, CPU backends only).
//   AIVM_CUDA=1  CMake (cmake-js) builds the addon with the CUDA backend
//                (native/cuda, needs nvcc); binding.gyp has no CUDA rules. The
//                result lands in build/Release like node-gyp's, so loading is the same.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cuda = process.env.AIVM_CUDA === '1';
// Both tools are dependencies; npm puts their bins (also hoisted ones) on PATH.
const [cmd, args] = cuda ? ['cmake-js', ['compile', '--CDAIVM_CUDA=ON']] : ['node-gyp-build', []];
if (cuda) console.log('aivm install: AIVM_CUDA=1, building the addon with the CUDA backend (CMake + nvcc)');
const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, JOBS: 'max' } });
if (r.error) {
  console.error(`aivm install: could not run ${cmd} ${args.join(' ')}: ${r.error.message}` +
    (cuda ? ' (AIVM_CUDA=1 builds with cmake-js and CMake: npm install --save-dev cmake-js, apt install cmake)' : ''));
  process.exit(1);
}
process.exit(r.status ?? 1);
