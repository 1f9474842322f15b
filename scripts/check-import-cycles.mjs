#!/usr/bin/env node
// Fails on any import cycle between the package's own modules, read from the
// compiled dist/ (what Node actually loads: type-only imports are gone there).
// A cycle makes load order decide whether a binding is still undefined when it
// is used, so the layering (docs/ARCHITECTURE.md) allows none. Every relative
// require() counts, lazy ones inside functions too.
//   node scripts/check-import-cycles.mjs            dist/ files compiled from lib/
//   node scripts/check-import-cycles.mjs --dir D    every .js file under D
// Exit 0: no cycle; 1: cycles found (each printed); 2: nothing to check.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

function walk(dir, ext) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p, ext);
    return e.name.endsWith(ext) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** dist/ files that lib/ still compiles to (a stale file left by a removed source is not loaded by anything current). */
function distFiles() {
  return walk(path.join(root, 'lib'), '.ts')
    .map((ts) => path.join(root, 'dist', path.relative(path.join(root, 'lib'), ts).replace(/\.ts$/, '.js')))
    .filter((js) => fs.existsSync(js));
}

function resolveRelative(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.js`, path.join(base, 'index.js')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Each file's relative require() targets (tsc's CommonJS output; `import()` compiles to require too). */
export function importGraph(files) {
  const graph = new Map();
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const deps = new Set();
    for (const m of text.matchAll(/\brequire\(\s*(["'])(\.{1,2}\/[^"']*)\1\s*\)/g)) {
      const target = resolveRelative(file, m[2]);
      if (target) deps.add(target);
    }
    graph.set(file, [...deps]);
  }
  return graph;
}

/** Every cycle as a list of files, one per strongly connected component (Tarjan), each shown as one concrete loop. */
export function findCycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  const strongConnect = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    const selfLoop = (graph.get(v) ?? []).includes(v);
    if (component.length > 1 || selfLoop) cycles.push(loopWithin(graph, new Set(component), v));
  };
  for (const v of graph.keys()) if (!index.has(v)) strongConnect(v);
  return cycles;
}

/** A shortest path from `start` back to itself inside one component (breadth first). */
function loopWithin(graph, members, start) {
  const prev = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const loop = [v];
        while (loop[0] !== start) loop.unshift(prev.get(loop[0]));
        return [...loop, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function main(argv) {
  const d = argv.indexOf('--dir');
  const base = d >= 0 ? path.resolve(argv[d + 1] ?? '.') : path.join(root, 'dist');
  const files = d >= 0 ? walk(base, '.js') : distFiles();
  if (files.length === 0) {
    console.error(`check-import-cycles: no compiled files under ${base} (run npm run build:ts)`);
    return 2;
  }
  const cycles = findCycles(importGraph(files));
  for (const c of cycles) console.error(`import cycle: ${c.map((f) => path.relative(base, f)).join(' -> ')}`);
  if (cycles.length > 0) return 1;
  console.log(`check-import-cycles: ${files.length} modules under ${path.relative(root, base) || '.'}, no import cycle`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2));
