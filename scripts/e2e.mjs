#!/usr/bin/env node
// npm run e2e: the whole network on this machine, through the `aivm` CLI only.
// A hardhat node on 127.0.0.1, a registry, the digits-mlp kernel published
// with an http URI (a loopback file server), four `aivm node` processes with
// empty kernel directories (they fetch and check the kernel): three honest ones
// forced to scalar / avx2 / avx512 and one that flips a bit of its output
// (scripts/e2e/dishonest-node.cjs). A request with quorum 3: one honest node is
// killed right after it commits and restarted before the reveal phase. The request must finalize with the
// kernel's golden hash and name exactly the dishonest node; `aivm aggregate`
// over the nodes' signed results must agree, and reject a forged one. Then the
// adversarial part: kernels built to abort or exhaust a node
// (scripts/hostile-kernels.mjs) are published and requested; every node must
// refuse them, stay up, finalize the next honest request, and a restarted node
// must not bring the bad requests back.
//   node scripts/e2e.mjs [--keep]      (--keep: leave the temporary directory)
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonRpcProvider, Wallet, parseEther, NonceManager } from 'ethers';
import { startHardhatNode } from './hardhat-node.mjs';
import { makeHostileKernels } from './hostile-kernels.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/cli/aivm.js');
// The CLI with every run's result falsified (the package has no option for it).
const dishonestCli = path.join(root, 'scripts/e2e/dishonest-node.cjs');
const KERNEL = 'digits-mlp';
const VECTOR = 'batch1';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-e2e-'));
// AIVM_ISA from the caller's shell would override the ISA each node is forced to: drop it.
const env = { ...process.env, AIVM_PASSWORD: 'e2e password' };
delete env.AIVM_ISA;
const started = Date.now();
const children = new Set();
let chain;
let server;

const say = (msg) => process.stdout.write(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${msg}\n`);
function fail(msg) {
  throw new Error(msg);
}

/**
 * Runs the CLI to completion; resolves its stdout (rejects with stderr on another exit code).
 * Asynchronous on purpose: this process also serves the kernel files the nodes fetch.
 */
function aivm(args, { expect = 0 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { cwd: root, env, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? err.code : 0;
      if (code !== expect) reject(new Error(`aivm ${args.join(' ')} exited ${code} (expected ${expect})\n${stdout}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

/** A long-running `aivm node` (or `entry node`); resolves events as they are logged. */
function startNode(name, keystore, extra, dirs = name, entry = cli) {
  const args = [entry, 'node', '--rpc', chain.url, '--registry', registry, '--keystore', keystore,
    '--kernels', path.join(tmp, `kernels-${dirs}`), '--state', path.join(tmp, `state-${dirs}`), '--poll-ms', '100', ...extra];
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const node = { name, child, events: [], waiters: [], log: fs.createWriteStream(path.join(tmp, `${name}.log`), { flags: 'a' }) };
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      node.log.write(line + '\n');
      let e;
      try {
        e = JSON.parse(line);
      } catch {
        continue;
      }
      node.events.push(e);
      if (e.event === 'error' || e.event === 'failed' || e.event === 'poll-error') say(`${name}: ${e.event}: ${e.message ?? e.error}`);
      node.waiters = node.waiters.filter((w) => !(w.match(e) && (w.resolve(e), true)));
    }
  });
  child.stderr.on('data', (d) => node.log.write(d));
  child.on('exit', (code, signal) => {
    children.delete(child);
    node.exited = { code, signal };
    for (const w of node.waiters) w.reject(new Error(`${name} exited (${code ?? signal}) while waiting for ${w.what}`));
    node.waiters = [];
  });
  node.waitFor = (what, match, ms = 120_000) =>
    new Promise((resolve, reject) => {
      const found = node.events.find(match);
      if (found) return resolve(found);
      if (node.exited) return reject(new Error(`${name} has exited`));
      const timer = setTimeout(() => reject(new Error(`${name}: no '${what}' within ${ms / 1000} s; see ${path.join(tmp, name + '.log')}`)), ms);
      node.waiters.push({ what, match, resolve: (e) => (clearTimeout(timer), resolve(e)), reject: (e) => (clearTimeout(timer), reject(e)) });
    });
  return node;
}

/** Serves kernels/ (and the hostile kernels made in tmp) over http on loopback, so nodes fetch a kernel from its registered URI. */
function serveKernels() {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
      const base = rel.startsWith('hostile-') ? tmp : path.join(root, 'kernels');
      const file = path.join(base, rel);
      if (!file.startsWith(base + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': fs.statSync(file).size });
      fs.createReadStream(file).pipe(res);
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

let registry;

async function main() {
  say(`temporary directory ${tmp}`);
  chain = await startHardhatNode();
  say(`hardhat node at ${chain.url} (chain ${chain.chainId})`);
  server = await serveKernels();
  const kernelUrl = `http://127.0.0.1:${server.address().port}/${KERNEL}/`;

  // Identities: a requester and four nodes, each an encrypted keystore, funded by a dev account.
  const names = ['requester', 'scalar', 'avx2', 'avx512', 'dishonest', 'squatter'];
  const keys = {};
  const address = {};
  for (const n of names) {
    keys[n] = path.join(tmp, `${n}.keystore.json`);
    address[n] = await aivm(['keys', 'new', '--out', keys[n]]);
  }
  const funder = new NonceManager(new Wallet(chain.devKeys[0], new JsonRpcProvider(chain.url)));
  for (const n of names) await (await funder.sendTransaction({ to: address[n], value: parseEther('10') })).wait();
  say(`keystores created and funded: ${names.map((n) => `${n}=${address[n]}`).join(' ')}`);

  registry = await aivm(['deploy', '--rpc', chain.url, '--keystore', keys.requester]);
  say(`registry deployed at ${registry}`);
  const kernelId = await aivm(['id', path.join(root, 'kernels', KERNEL)]);
  // A squatter registers the real kernel id first, pointing at nothing: it must not lock the publisher out.
  await aivm(['publish', path.join(root, 'kernels', KERNEL), '--rpc', chain.url, '--registry', registry,
    '--keystore', keys.squatter, '--uri', 'http://127.0.0.1:9/nothing/']);
  const published = JSON.parse(await aivm(['publish', path.join(root, 'kernels', KERNEL), '--rpc', chain.url, '--registry', registry,
    '--keystore', keys.requester, '--uri', kernelUrl, '--json']));
  if (published.kernelId !== kernelId) fail(`published id ${published.kernelId} is not aivm id's ${kernelId}`);
  say(`published ${KERNEL} ${kernelId} at ${kernelUrl} (after a squatter registered it at a dead URL)`);

  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'kernels', KERNEL, 'aivm.json'), 'utf8'));
  const golden = manifest.vectors.find((v) => v.name === VECTOR).outputHash;
  const isas = JSON.parse(await aivm(['info', '--json'])).isas;
  const isaOf = (want) => (isas.includes(want) ? want : 'scalar');
  for (const want of ['avx2', 'avx512']) if (!isas.includes(want)) say(`NOTE: this CPU has no ${want}; that honest node runs scalar instead`);

  // Admission: each node signs its self-test fingerprint on its ISA; the registry's owner checks and admits them.
  const nodeIsa = { scalar: 'scalar', avx2: isaOf('avx2'), avx512: isaOf('avx512'), dishonest: undefined };
  const fingerprints = [];
  for (const [n, isa] of Object.entries(nodeIsa)) {
    const out = path.join(tmp, `${n}.fingerprint.json`);
    await aivm(['selftest', '--sign', '--keystore', keys[n], '--out', out, ...(isa ? ['--isa', isa] : [])]);
    fingerprints.push(out);
  }
  await aivm(['admit', ...fingerprints, '--rpc', chain.url, '--registry', registry, '--keystore', keys.requester]);
  say('four nodes admitted by their signed self-test fingerprints (aivm selftest --sign, aivm admit)');

  const nodes = {
    scalar: startNode('scalar', keys.scalar, ['--isa', 'scalar']),
    avx2: startNode('avx2', keys.avx2, ['--isa', isaOf('avx2')]),
    avx512: startNode('avx512', keys.avx512, ['--isa', isaOf('avx512')]),
    dishonest: startNode('dishonest', keys.dishonest, [], 'dishonest', dishonestCli),
  };
  await Promise.all(Object.values(nodes).map((n) => n.waitFor('started', (e) => e.event === 'started')));
  say('four nodes started (empty kernel directories)');

  // Up to 5 nodes may commit, so the commit phase lasts its full window: time to kill and restart one.
  const req = JSON.parse(await aivm(['request', kernelId, '--rpc', chain.url, '--registry', registry, '--keystore', keys.requester,
    '--kernels', path.join(tmp, 'kernels-requester'), '--input', path.join(root, 'kernels', KERNEL, 'vectors', `${VECTOR}.json`),
    '--quorum', '3', '--nodes', '5', '--commit-seconds', '20', '--reveal-seconds', '120', '--json']));
  const requestId = req.requestId;
  say(`request ${requestId}: quorum 3 of up to 5, input = golden vector '${VECTOR}'`);

  // Kill the avx2 node as soon as it has committed, check the chain has its commitment and no reveal, restart it.
  const victim = nodes.avx2;
  await victim.waitFor('committed', (e) => e.event === 'committed' && e.requestId === requestId);
  victim.child.kill('SIGKILL');
  await new Promise((r) => victim.child.once('exit', r));
  const status = JSON.parse(await aivm(['result', requestId, '--rpc', chain.url, '--registry', registry, '--json'], { expect: 3 }));
  if (status.reveals.some((r) => r.node.toLowerCase() === address.avx2.toLowerCase())) fail('the killed node had already revealed');
  if (Date.now() / 1000 >= status.commitDeadline) fail('the commit phase ended before the kill: raise --commit-seconds');
  say(`killed the avx2 node after its commit (on chain: ${status.commits} commits, ${status.reveals.length} reveals); restarting it`);
  nodes.avx2 = startNode('avx2', keys.avx2, ['--isa', isaOf('avx2')]);

  const result = JSON.parse(await aivm(['result', requestId, '--rpc', chain.url, '--registry', registry, '--wait', '--timeout', '180', '--json']));
  const fin = result.finalized;
  say(`finalized: ${fin.outputHash} agree=${fin.agree} dissenters=${fin.dissenters.join(', ') || 'none'}`);
  if (fin.outputHash !== golden) fail(`agreed hash ${fin.outputHash} is not the kernel's golden ${VECTOR} hash ${golden}`);
  if (fin.agree !== 3) fail(`expected 3 agreeing nodes, got ${fin.agree}`);
  if (fin.dissenters.length !== 1 || fin.dissenters[0].toLowerCase() !== address.dishonest.toLowerCase()) {
    fail(`expected exactly the dishonest node ${address.dishonest} as dissenter, got ${JSON.stringify(fin.dissenters)}`);
  }
  const restartedReveal = result.reveals.find((r) => r.node.toLowerCase() === address.avx2.toLowerCase());
  if (!restartedReveal || restartedReveal.outputHash !== golden) fail('the restarted avx2 node did not reveal the golden hash');
  say('the restarted node revealed from its saved state; the honest hash won; the dishonest node is named');

  // Offline: the nodes' signed results through `aivm aggregate`, plus one forged copy.
  const files = Object.keys(nodes).map((n) => path.join(tmp, `state-${n}`, 'results', `${requestId}.${address[n]}.json`));
  for (const f of files) if (!fs.existsSync(f)) fail(`missing signed result ${f}`);
  const forged = JSON.parse(fs.readFileSync(files[3], 'utf8'));
  forged.result.outputHash = golden; // the dishonest node pretends it agreed, keeping its old signature
  const forgedFile = path.join(tmp, 'forged.json');
  fs.writeFileSync(forgedFile, JSON.stringify(forged));
  const offline = JSON.parse(await aivm(['aggregate', ...files, forgedFile, '--kernel', path.join(root, 'kernels', KERNEL), '--quorum', '3', '--json']));
  if (offline.outputHash !== golden || offline.agree !== 3) fail(`aivm aggregate: ${JSON.stringify(offline)}`);
  if (offline.rejected.length !== 1 || offline.rejected[0].code !== 'E_SIGNATURE') fail(`the forged result was not rejected: ${JSON.stringify(offline.rejected)}`);
  if (offline.dissenters.length !== 1 || offline.dissenters[0].toLowerCase() !== address.dishonest.toLowerCase()) fail(`aivm aggregate dissenters ${offline.dissenters}`);
  say('aivm aggregate over the signed results: same hash and dissenter; the forged result was rejected (E_SIGNATURE)');
  await adversarial(nodes, keys, golden, address);
  say(`PASS in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Requests `kernelId` with the golden vector; returns the request id. */
async function requestOf(kernelId, keys, quorum, commitSeconds = 20) {
  const r = JSON.parse(await aivm(['request', kernelId, '--rpc', chain.url, '--registry', registry, '--keystore', keys.requester,
    '--kernels', path.join(tmp, 'kernels-requester'), '--input', path.join(root, 'kernels', KERNEL, 'vectors', `${VECTOR}.json`),
    '--quorum', String(quorum), '--nodes', '5', '--commit-seconds', String(commitSeconds), '--reveal-seconds', '120', '--json']));
  return r.requestId;
}

/** Hostile kernels published and requested: every node refuses them and goes on; a restart does not retry them. */
async function adversarial(nodes, keys, golden, address) {
  const hostile = makeHostileKernels(path.join(root, 'kernels', KERNEL), tmp, cli);
  const expected = { abort: ['failed', /^E_TOO_LARGE: .*num_outputs/], greedy: ['refused', /^E_POLICY: .*maxMemoryBytes/] };
  const requests = {};
  for (const [name, k] of Object.entries(hostile)) {
    const uri = `http://127.0.0.1:${server.address().port}/hostile-${name}/`;
    await aivm(['publish', k.dir, '--rpc', chain.url, '--registry', registry, '--keystore', keys.requester, '--uri', uri]);
    requests[name] = await requestOf(k.id, keys, 3);
    say(`adversarial: published and requested '${name}' (${k.id}): request ${requests[name]}`);
  }
  for (const [name, requestId] of Object.entries(requests)) {
    const [event, error] = expected[name];
    for (const n of Object.values(nodes)) {
      const e = await n.waitFor(`${event} of ${name}`, (x) => x.requestId === requestId && (x.event === 'failed' || x.event === 'refused'));
      if (e.event !== event || !error.test(e.error)) fail(`${n.name} on '${name}': ${e.event} ${e.error} (expected ${event} ${error})`);
    }
    say(`adversarial: every node ${event} '${name}' (${expected[name][1]})`);
  }
  for (const n of Object.values(nodes)) if (n.exited) fail(`${n.name} exited (${JSON.stringify(n.exited)}) on a hostile kernel`);
  // Restart one node on the same state: it must not take the hostile requests up again.
  const scalar = nodes.scalar;
  scalar.child.kill('SIGTERM');
  await new Promise((r) => (scalar.exited ? r() : scalar.child.once('exit', r)));
  nodes.scalar = startNode('scalar-restarted', keys.scalar, ['--isa', 'scalar'], 'scalar');
  await nodes.scalar.waitFor('started', (e) => e.event === 'started');
  const honest = await requestOf(await aivm(['id', path.join(root, 'kernels', KERNEL)]), keys, 3);
  const result = JSON.parse(await aivm(['result', honest, '--rpc', chain.url, '--registry', registry, '--wait', '--timeout', '180', '--json']));
  if (result.finalized.outputHash !== golden) fail(`the honest request after the hostile ones agreed on ${result.finalized.outputHash}, not ${golden}`);
  if (!result.reveals.some((r) => r.node.toLowerCase() === address.scalar.toLowerCase())) fail('the restarted scalar node did not take part in the honest request');
  const hostileIds = new Set(Object.values(requests));
  const again = nodes.scalar.events.filter((e) => hostileIds.has(e.requestId));
  if (again.length > 0) fail(`the restarted node took a hostile request up again: ${JSON.stringify(again)}`);
  say('adversarial: all nodes stayed up and finalized the next honest request; the restarted node left the hostile requests alone');
}

async function cleanup() {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  for (const c of children) c.kill('SIGKILL');
  server?.close();
  await chain?.stop();
  if (!process.argv.includes('--keep')) fs.rmSync(tmp, { recursive: true, force: true });
}

main().then(
  async () => {
    await cleanup();
    process.exit(0);
  },
  async (err) => {
    say(`FAIL: ${err.message}`);
    process.argv.push('--keep');
    say(`logs kept in ${tmp}`);
    await cleanup();
    process.exit(1);
  },
);
