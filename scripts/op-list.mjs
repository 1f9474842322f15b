#!/usr/bin/env node
// The engine's op list, read from its one source (native/ops/op_list.h), for the
// checks that everything else agrees with it (test/unit/op-list.test.ts) and for
// docs/CONFORMANCE.md's op table:
//   node scripts/op-list.mjs          prints the ops, one "Name family" per line
//   node scripts/op-list.mjs --doc    rewrites docs/CONFORMANCE.md between its op-list markers
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const OP_LIST_FILE = path.join(root, 'native', 'ops', 'op_list.h');
export const CONFORMANCE_DOC = path.join(root, 'docs', 'CONFORMANCE.md');
const BEGIN = '<!-- op-list:begin (node scripts/op-list.mjs --doc) -->';
const END = '<!-- op-list:end -->';

/** The body of one X-macro list (`#define NAME(X) \ ... `) of op_list.h. */
function macroBody(text, name) {
  const start = text.indexOf(`#define ${name}(`);
  if (start < 0) throw new Error(`op-list: ${name} not found in ${OP_LIST_FILE}`);
  const lines = [];
  for (const line of text.slice(start).split('\n')) {
    lines.push(line);
    if (!line.trimEnd().endsWith('\\')) break;
  }
  return lines.slice(1).join('\n');
}

/** { ops: [{name, family}] in list order, families: string[], outsideSelftest: string[] }. */
export function readOpList(file = OP_LIST_FILE) {
  const text = fs.readFileSync(file, 'utf8');
  const ops = [...macroBody(text, 'AIVM_OPS').matchAll(/X\((\w+),\s*(\w+)\)/g)].map((m) => ({ name: m[1], family: m[2] }));
  const families = [...macroBody(text, 'AIVM_OP_FAMILIES').matchAll(/F\((\w+)\)/g)].map((m) => m[1]);
  const outsideSelftest = [...macroBody(text, 'AIVM_OPS_OUTSIDE_SELFTEST').matchAll(/X\((\w+)\)/g)].map((m) => m[1]);
  return { ops, families, outsideSelftest };
}

/** The markdown table of ops by family that docs/CONFORMANCE.md carries. */
export function opTable({ ops, families }) {
  const rows = families.map((f) => {
    const names = ops.filter((o) => o.family === f).map((o) => o.name).sort();
    return `| ${f} | ${names.length} | ${names.join(', ')} |`;
  });
  return [`The engine implements ${ops.length} ops (the list: \`native/ops/op_list.h\`; how to add one: docs/ADDING_AN_OP.md).`, '',
    '| family | ops | names |', '|---|---:|---|', ...rows].join('\n');
}

/** docs/CONFORMANCE.md's op-list section as it is now (null when the markers are missing). */
export function documentedOpTable(doc = fs.readFileSync(CONFORMANCE_DOC, 'utf8')) {
  const a = doc.indexOf(BEGIN), b = doc.indexOf(END);
  return a < 0 || b < a ? null : doc.slice(a + BEGIN.length, b).trim();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const list = readOpList();
  if (process.argv.includes('--doc')) {
    const doc = fs.readFileSync(CONFORMANCE_DOC, 'utf8');
    const a = doc.indexOf(BEGIN), b = doc.indexOf(END);
    if (a < 0 || b < a) throw new Error(`op-list: ${CONFORMANCE_DOC} lacks the markers ${BEGIN} ... ${END}`);
    fs.writeFileSync(CONFORMANCE_DOC, doc.slice(0, a + BEGIN.length) + '\n' + opTable(list) + '\n' + doc.slice(b));
    console.log(`op-list: ${list.ops.length} ops written to ${path.relative(root, CONFORMANCE_DOC)}`);
  } else {
    for (const o of list.ops) console.log(`${o.name} ${o.family}`);
  }
}
