// Runs one JS target for a time budget: a child process (worker.mjs) at a time,
// each under an address-space limit (bash's ulimit -v), running cases until the
// budget ends. The parent watches the child's event lines (fd 3): a child that
// dies by a signal or exits non-zero crashed on the case it had started; one
// silent for longer than the hang budget is killed and that case is a hang;
// findings the child judged itself (non-AivmError, E_INTERNAL, out of memory,
// ISA mismatch) arrive as lines. Each is saved as a repro file, and a fresh
// child goes on from the next case.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'worker.mjs');
/** Repro files saved per target; findings past it are still counted. */
const MAX_REPROS = 20;
/** A child's start (node, the addon, the target's setup) is not a case: it gets this long, not the hang budget. */
const SETUP_MS = 60000;

/** Spawns the worker under `ulimit -v` (KiB); extraStdio: what fd 1 and 2 are. */
function spawnWorker(args, memMb, stdio) {
  const script = `ulimit -v ${memMb * 1024} && exec "$0" "$@"`;
  return spawn('bash', ['-c', script, process.execPath, WORKER, ...args], { stdio });
}

/** One child: resolves with what it reported and how it ended. */
function runChild({ target, seed, from, until, end, hangMs, memMb }) {
  return new Promise((resolve) => {
    const args = ['run', target, String(seed), String(from), String(until), ...(end === undefined ? [] : [String(end)])];
    const child = spawnWorker(args, memMb, ['ignore', 'ignore', 'pipe', 'pipe']);
    const r = { cases: 0, current: -1, outcomes: {}, findings: [], hung: false, stderr: '' };
    let timer;
    const watch = (ms) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        r.hung = true;
        child.kill('SIGKILL');
      }, ms);
    };
    watch(SETUP_MS);
    child.stderr.on('data', (d) => (r.stderr = (r.stderr + d).slice(-4000)));
    let pending = '';
    child.stdio[3].on('data', (d) => {
      watch(hangMs);
      const lines = (pending + d).split('\n');
      pending = lines.pop();
      for (const line of lines) {
        const [tag, index, kind] = line.split(' ', 3);
        if (tag === 'c') {
          r.cases++;
          r.current = Number(index);
        } else if (tag === 'f') {
          r.findings.push({ index: Number(index), kind, message: JSON.parse(line.slice(`f ${index} ${kind} `.length)) });
        } else if (tag === 'o') {
          for (const [k, n] of Object.entries(JSON.parse(line.slice(2)))) r.outcomes[k] = (r.outcomes[k] ?? 0) + n;
        }
      }
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ...r, code, signal });
    });
  });
}

/** Writes BASE.json (what happened, how to replay) and, from a fresh child, BASE.case.json / BASE.onnx. */
async function saveRepro(out, target, seed, f) {
  fs.mkdirSync(out, { recursive: true });
  const base = path.join(out, `${target}-seed${seed}-case${f.index}-${f.kind}`);
  const replay = `npm run fuzz -- --replay ${base}.json`;
  fs.writeFileSync(`${base}.json`, JSON.stringify({ target, seed, index: f.index, kind: f.kind, message: f.message, replay }, null, 2) + '\n');
  await new Promise((resolve) => spawnWorker(['dump', target, String(seed), String(f.index), base], 4096, 'ignore').on('close', resolve));
  return `${base}.json`;
}

/**
 * Fuzzes `target` for `seconds`, or, given `cases`, runs exactly cases 0 .. cases-1
 * whatever the time (tests, exact repeats); returns its figures and findings.
 */
export async function runJsTarget({ target, seed, seconds, cases, out, hangMs, memMb, log }) {
  const start = Date.now(), until = cases === undefined ? start + seconds * 1000 : Number.MAX_SAFE_INTEGER;
  const stats = { target, kind: 'js', executions: 0, crashes: 0, hangs: 0, failures: 0, outcomes: {}, repros: [], children: 0 };
  let next = 0;
  while (cases === undefined ? Date.now() < until - 100 : next < cases) {
    const r = await runChild({ target, seed, from: next, until, end: cases, hangMs, memMb });
    stats.children++;
    stats.executions += r.cases;
    for (const [k, n] of Object.entries(r.outcomes)) stats.outcomes[k] = (stats.outcomes[k] ?? 0) + n;
    const findings = [...r.findings];
    const died = r.hung || r.signal !== null || r.code !== 0;
    if (died && r.current < 0) {
      // Not a case: the worker could not start (dist/ not built, the addon missing).
      throw new Error(`fuzz ${target}: the worker did not start (exit ${r.code ?? r.signal}):\n${r.stderr}`);
    }
    if (died) {
      const how = r.hung ? `no progress for ${hangMs} ms` : `exit ${r.code ?? ''}${r.signal ?? ''}`;
      findings.push({ index: r.current, kind: r.hung ? 'hang' : 'crash', message: `${how}\n${r.stderr.trim()}` });
    }
    for (const f of findings) {
      if (f.kind === 'hang') stats.hangs++;
      else if (f.kind === 'crash') stats.crashes++;
      else stats.failures++;
      const file = stats.repros.length < MAX_REPROS ? await saveRepro(out, target, seed, f) : '(not saved: too many)';
      stats.repros.push(file);
      log(`fuzz ${target}: FINDING ${f.kind} at case ${f.index}: ${f.message.split('\n')[0].slice(0, 300)} -> ${file}`);
    }
    next = (died ? r.current : Math.max(r.current, next - 1)) + 1;
  }
  stats.seconds = (Date.now() - start) / 1000;
  return stats;
}

/** Runs one saved case again in a child with the same limit, its output shown; resolves with the exit code. */
export function replayJsCase(repro, memMb) {
  return new Promise((resolve) => {
    spawnWorker(['replay', repro.target, String(repro.seed), String(repro.index)], memMb, 'inherit')
      .on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
