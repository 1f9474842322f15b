#!/usr/bin/env node
// Compiles lib/chain/AivmRegistry.sol with the pinned solc (solcjs, offline) and writes
// lib/chain/artifact.ts (ABI + bytecode) for the TypeScript side.
//
//   node scripts/compile-contract.mjs           regenerate lib/chain/artifact.ts
//   node scripts/compile-contract.mjs --check   exit 1 if the committed artifact differs from a fresh build
//
// Compiler warnings fail the build: the contract is meant to compile cleanly.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { keccak256 } from 'ethers';

const require = createRequire(import.meta.url);
const solc = require('solc');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE_NAME = 'lib/chain/AivmRegistry.sol';
const CONTRACT = 'AivmRegistry';
const sourcePath = path.join(root, SOURCE_NAME);
const artifactPath = path.join(root, 'lib/chain/artifact.ts');

function compile(sourceBytes) {
  const input = {
    language: 'Solidity',
    sources: { [SOURCE_NAME]: { content: sourceBytes.toString('utf8') } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'paris', // no PUSH0 etc.: runs on hardhat and on chains that lag behind mainnet forks
      metadata: { bytecodeHash: 'none' }, // bytecode depends on the code only, not on comments/paths
      // The Yul pipeline: the legacy one runs out of stack slots encoding InferenceRequested's 10 fields.
      viaIR: true,
      outputSelection: { [SOURCE_NAME]: { [CONTRACT]: ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const diagnostics = output.errors ?? [];
  for (const d of diagnostics) process.stderr.write(d.formattedMessage ?? `${d.severity}: ${d.message}\n`);
  if (diagnostics.length > 0) {
    const errors = diagnostics.filter((d) => d.severity === 'error').length;
    throw new Error(`solc reported ${errors} error(s) and ${diagnostics.length - errors} warning(s)/info(s)`);
  }
  const contract = output.contracts[SOURCE_NAME][CONTRACT];
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}

// Single-quoted TS literals, as in the rest of the code base. ABI names and types never hold
// quotes or backslashes; refuse rather than emit a broken file if one ever does.
function literal(value) {
  const json = JSON.stringify(value, null, 2);
  if (/['\\]/.test(json)) throw new Error(`unexpected quote or backslash in ${json.slice(0, 80)}`);
  return json.replace(/"(\w+)":/g, '$1:').replace(/"/g, "'");
}

function render(sourceBytes, { abi, bytecode }) {
  return [
    '// GENERATED FILE - do not edit by hand.',
    '// Built from lib/chain/AivmRegistry.sol by scripts/compile-contract.mjs',
    '// (solc standard JSON: optimizer runs 200, viaIR, evmVersion paris, no metadata hash).',
    '// Regenerate with `npm run build:contract`; `node scripts/compile-contract.mjs --check` verifies it.',
    '',
    `export const SOLC_VERSION = ${literal(solc.version())};`,
    '',
    '/** keccak256 of the exact bytes of AivmRegistry.sol this artifact was built from. */',
    `export const REGISTRY_SOURCE_DIGEST = ${literal(keccak256(sourceBytes))};`,
    '',
    `export const REGISTRY_ABI = ${literal(abi)} as const;`,
    '',
    `export const REGISTRY_BYTECODE = ${literal(bytecode)};`,
    '',
  ].join('\n');
}

const check = process.argv.includes('--check');
const sourceBytes = readFileSync(sourcePath);
const text = render(sourceBytes, compile(sourceBytes));

if (check) {
  let current = '';
  try {
    current = readFileSync(artifactPath, 'utf8');
  } catch {
    // a missing artifact is just a mismatch
  }
  if (current !== text) {
    console.error(`${path.relative(root, artifactPath)} is stale: run \`npm run build:contract\` and commit the result`);
    process.exit(1);
  }
  console.log(`${path.relative(root, artifactPath)} is up to date (solc ${solc.version()})`);
} else {
  writeFileSync(artifactPath, text);
  console.log(`wrote ${path.relative(root, artifactPath)} (solc ${solc.version()}, ${(text.length / 1024).toFixed(1)} KiB)`);
}
