// `aivm keys` and `aivm selftest --sign / --verify`, run as a user runs them
// (compiled dist/, `npm test` runs tsc first).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Wallet, id, parseEther, type JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selftest } from '../../lib/index';
import { Registry, provider as rpcProvider } from '../../lib/chain/registry';
import { loadKernel } from '../../lib/kernel';
import { signResult } from '../../lib/network/attestation';
import { signFingerprint } from '../../lib/network/fingerprint';
import { openKeystore } from '../../lib/network/keystore';
import { deadPort } from '../helpers/network';

const cli = path.join(__dirname, '..', '..', 'dist', 'cli', 'aivm.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-cli-network-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cliEnv(env: Record<string, string>) {
  const base = { ...process.env, AIVM_ISA: '' };
  delete base.AIVM_PASSWORD;
  delete base.AIVM_KEYSTORE;
  delete base.AIVM_RPC;
  delete base.AIVM_REGISTRY;
  return { ...base, ...env };
}

/** Runs the CLI with only the given password source (AIVM_PASSWORD and AIVM_KEYSTORE cleared otherwise). */
function aivm(args: string[], env: Record<string, string> = {}, cwd?: string) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: cliEnv(env), cwd });
}

/** The same, without blocking this process (a test's own chain must keep answering meanwhile). */
function aivmAsync(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: cliEnv(env), cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const MLP = path.join(__dirname, '..', '..', 'kernels', 'digits-mlp');
const MLP_INPUT = path.join(MLP, 'vectors', 'batch1.json');
const ANY_ID = '0x' + 'ab'.repeat(32);
const ANY_ADDRESS = '0x' + '12'.repeat(20);

const PW = { AIVM_PASSWORD: 'correct horse battery staple' };
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

describe('aivm keys', () => {
  it('new prints the address, keys address reads it back, and the password opens it', async () => {
    const file = path.join(dir, 'node.json');
    const made = aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024'], PW);
    expect(made.status, made.stderr).toBe(0);
    const address = made.stdout.trim();
    expect(address).toMatch(ADDRESS);
    expect(made.stderr).toContain(file);
    expect(made.stderr).toMatch(/password/);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    const read = aivm(['keys', 'address', file]);
    expect(read.status).toBe(0);
    expect(read.stdout.trim()).toBe(address);
    expect((await openKeystore(file, PW.AIVM_PASSWORD)).address).toBe(address);
  });

  it('takes the password from --password-file', async () => {
    const pwFile = path.join(dir, 'pw.txt');
    fs.writeFileSync(pwFile, 'from a file\n');
    const file = path.join(dir, 'node-pwfile.json');
    const made = aivm(['keys', 'new', '--out', file, '--password-file', pwFile, '--scrypt-n', '1024'], { AIVM_PASSWORD: 'not this one' });
    expect(made.status, made.stderr).toBe(0);
    expect((await openKeystore(file, 'from a file')).address).toBe(made.stdout.trim());
  });

  it('new refuses to overwrite a key', () => {
    const file = path.join(dir, 'once.json');
    expect(aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024'], PW).status).toBe(0);
    const before = fs.readFileSync(file, 'utf8');
    const again = aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024'], PW);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/E_KEYSTORE: .*already exists/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });

  it('new without a password is E_KEYSTORE and writes nothing', () => {
    const file = path.join(dir, 'nopw.json');
    const r = aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_KEYSTORE: .*AIVM_PASSWORD/);
    expect(fs.existsSync(file)).toBe(false);
    const empty = aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024'], { AIVM_PASSWORD: '' });
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/E_KEYSTORE/);
  });

  it('refuses bad usage with exit code 2', () => {
    expect(aivm(['keys']).status).toBe(2);
    expect(aivm(['keys', 'rotate']).status).toBe(2);
    expect(aivm(['keys', 'new'], PW).status).toBe(2); // no --out
    expect(aivm(['keys', 'address']).status).toBe(2);
    expect(aivm(['keys', 'new', '--out', path.join(dir, 'x.json'), '--password', 'oops']).status).toBe(2);
    const n = aivm(['keys', 'new', '--out', path.join(dir, 'x.json'), '--scrypt-n', '12'], PW);
    expect(n.status).toBe(1);
    expect(n.stderr).toMatch(/E_ARG/);
  });

  it('keys address of a file that is not a keystore is E_KEYSTORE', () => {
    const junk = path.join(dir, 'junk.json');
    fs.writeFileSync(junk, '{"hello": 1}');
    const r = aivm(['keys', 'address', junk]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_KEYSTORE/);
    expect(aivm(['keys', 'address', path.join(dir, 'missing.json')]).stderr).toMatch(/E_KEYSTORE/);
  });
});

describe('aivm selftest --sign / --verify', () => {
  const key = path.join(dir, 'signer.json');
  const fp = path.join(dir, 'fingerprint.json');

  it('signs a fingerprint that --verify admits', () => {
    const made = aivm(['keys', 'new', '--out', key, '--scrypt-n', '1024'], PW);
    expect(made.status, made.stderr).toBe(0);
    const address = made.stdout.trim();

    const signed = aivm(['selftest', '--sign', '--keystore', key, '--isa', 'scalar', '--out', fp], PW);
    expect(signed.status, signed.stderr).toBe(0);
    const file = JSON.parse(fs.readFileSync(fp, 'utf8'));
    expect(file.format).toBe('aivm-fingerprint/1');
    expect(file.fingerprint).toMatchObject({ numerics: 'aivm-fp32-v1', isa: 'scalar', node: address });

    const ok = aivm(['selftest', '--verify', fp]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^admitted: node ${address} isa scalar engine \\S+`));

    const json = aivm(['selftest', '--verify', fp, '--json']);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ admitted: true, node: address, isa: 'scalar' });
  });

  it('prints the signed fingerprint to stdout without --out (AIVM_KEYSTORE names the key)', () => {
    const r = aivm(['selftest', '--sign'], { ...PW, AIVM_KEYSTORE: key });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).fingerprint.node).toBe(aivm(['keys', 'address', key]).stdout.trim());
  });

  it('--sign with a wrong password is E_KEYSTORE; without a keystore, usage', () => {
    const wrong = aivm(['selftest', '--sign', '--keystore', key], { AIVM_PASSWORD: 'nope' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/E_KEYSTORE: wrong password/);
    expect(aivm(['selftest', '--sign'], PW).status).toBe(2);
    expect(aivm(['selftest', '--sign', '--verify', fp, '--keystore', key], PW).status).toBe(2);
    expect(aivm(['selftest', '--verify']).status).toBe(2);
    expect(aivm(['selftest', '--verify', fp, '--isa', 'scalar']).status).toBe(2);
  });

  it('refuses a tampered fingerprint (E_SIGNATURE)', () => {
    const file = JSON.parse(fs.readFileSync(fp, 'utf8'));
    file.fingerprint.selftestTotal = '0x' + '42'.repeat(32);
    const tampered = path.join(dir, 'tampered.json');
    fs.writeFileSync(tampered, JSON.stringify(file));
    const r = aivm(['selftest', '--verify', tampered]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_SIGNATURE: .*forged or altered/);
    expect(r.stdout).toBe('');
  });

  it('refuses a validly signed fingerprint with a wrong total (E_FINGERPRINT)', async () => {
    const wallet = Wallet.createRandom();
    const result = await selftest({ isa: 'scalar' });
    const wrongTotal = '0x' + '0f'.repeat(32);
    const signed = await signFingerprint(wallet, { ...result, total: wrongTotal }, '0.1.0');
    const file = path.join(dir, 'drifted.json');
    fs.writeFileSync(file, JSON.stringify(signed));
    const r = aivm(['selftest', '--verify', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_FINGERPRINT: /);
    expect(r.stderr).toContain(wallet.address);
    expect(r.stderr).toContain(wrongTotal);
  });

  it('refuses a file that is not JSON or not there (E_SIGNATURE)', () => {
    const junk = path.join(dir, 'junk.txt');
    fs.writeFileSync(junk, 'not json');
    expect(aivm(['selftest', '--verify', junk]).stderr).toMatch(/E_SIGNATURE/);
    const missing = aivm(['selftest', '--verify', path.join(dir, 'none.json')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/E_SIGNATURE/);
  });
});

describe('network commands: usage errors and a dead RPC', () => {
  const key = path.join(dir, 'dead-rpc-key.json');
  beforeAll(() => {
    expect(aivm(['keys', 'new', '--out', key, '--scrypt-n', '1024'], PW).status).toBe(0);
  });

  it('deploy, result and request against a port nothing listens on fail with E_CHAIN at once', async () => {
    const rpc = `http://127.0.0.1:${await deadPort()}`;
    for (const args of [
      ['deploy', '--rpc', rpc, '--keystore', key],
      ['result', ANY_ID, '--rpc', rpc, '--registry', ANY_ADDRESS],
      ['request', MLP, '--input', MLP_INPUT, '--rpc', rpc, '--registry', ANY_ADDRESS, '--keystore', key],
      ['admit', ANY_ADDRESS, '--remove', '--rpc', rpc, '--registry', ANY_ADDRESS, '--keystore', key],
    ]) {
      const t0 = Date.now();
      const r = aivm(args, PW);
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/^aivm: E_CHAIN: no answer from the RPC at http:\/\/127\.0\.0\.1:\d+/);
      expect(Date.now() - t0).toBeLessThan(15_000);
    }
  }, 60_000);

  it('refuses bad usage with exit code 2 before touching the chain', async () => {
    const rpc = `http://127.0.0.1:${await deadPort()}`;
    const usage = (args: string[], message: RegExp) => {
      const r = aivm(args, PW);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    };
    usage(['result', '0x1234', '--rpc', rpc, '--registry', ANY_ADDRESS], /request id must be 0x \+ 64 hex digits, got '0x1234'/);
    usage(['aggregate', path.join(dir, 'r.json')], /aggregate needs --kernel DIR/);
    usage(['aggregate', path.join(dir, 'r.json'), '--kernel', MLP, '--chain-id', 'abc'], /--chain-id must be a chain id in decimal .* got 'abc'/);
    usage(['aggregate', path.join(dir, 'r.json'), '--kernel', MLP, '--chain-id', '12abc'], /--chain-id must be/);
    usage(['aggregate', path.join(dir, 'r.json'), '--kernel', MLP, '--registry', 'nowhere'], /--registry must be a contract address/);
    usage(['aggregate', path.join(dir, 'r.json'), '--kernel', MLP, '--request', '7'], /--request must be 0x \+ 64 hex digits/);
    usage(['node', '--state', path.join(dir, 'state'), '--rpc', rpc, '--registry', ANY_ADDRESS, '--keystore', key], /node needs --kernels DIR/);
    usage(['node', '--kernels', path.join(dir, 'k'), '--rpc', rpc, '--registry', ANY_ADDRESS, '--keystore', key], /node needs --kernels DIR .* and --state DIR/);
    usage(['request', MLP, '--rpc', rpc, '--registry', ANY_ADDRESS, '--keystore', key], /request needs --input/);
  });

  describe('aggregate', () => {
    const CHAIN = 31337n; // 0x7a69
    const REGISTRY = Wallet.createRandom().address;
    const requestId = id('request');
    const files: string[] = [];

    beforeAll(async () => {
      const kernelId = (await loadKernel(MLP)).id;
      for (let i = 0; i < 3; i++) {
        const w = Wallet.createRandom();
        const signed = await signResult(w, { chainId: CHAIN, verifyingContract: REGISTRY }, {
          requestId, kernelId, inputHash: id('input'), outputHash: id('output'), numerics: 'aivm-fp32-v1', gasUsed: 1000n, node: w.address,
        });
        const file = path.join(dir, `result-${i}.json`);
        fs.writeFileSync(file, JSON.stringify(signed));
        files.push(file);
      }
    });

    it('--chain-id in hex is the same chain as in decimal; another chain id rejects every result (E_REPLAY)', () => {
      for (const chainId of ['31337', '0x7a69', '0x7A69']) {
        const r = aivm(['aggregate', ...files, '--kernel', MLP, '--chain-id', chainId, '--registry', REGISTRY, '--json']);
        expect(r.status, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ outputHash: id('output'), agree: 3, rejected: [] });
      }
      const other = aivm(['aggregate', ...files, '--kernel', MLP, '--chain-id', '0x7a6a', '--json']);
      expect(other.status).toBe(1);
      const out = JSON.parse(other.stdout) as { accepted: string[]; rejected: { code: string }[] };
      expect(out.accepted).toEqual([]);
      expect(out.rejected.map((x) => x.code)).toEqual(['E_REPLAY', 'E_REPLAY', 'E_REPLAY']);
    });

    it('a malformed file first (a numeric requestId) does not set the expectations: it alone is rejected', () => {
      const bad = JSON.parse(fs.readFileSync(files[0], 'utf8'));
      bad.result.requestId = 12345;
      const badFile = path.join(dir, 'result-numeric-id.json');
      fs.writeFileSync(badFile, JSON.stringify(bad));
      const r = aivm(['aggregate', badFile, ...files, '--kernel', MLP, '--json']);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { requestId: string; agree: number; rejected: { file: string; code: string; message: string }[] };
      expect(out).toMatchObject({ requestId, agree: 3 });
      expect(out.rejected).toEqual([{ file: badFile, code: 'E_SIGNATURE', message: expect.stringMatching(/result\.requestId must be 0x \+ 64 hex digits/) }]);
    });
  });
});

describe('aivm deploy / admit / request on a hardhat chain', () => {
  interface Chain { url: string; devKeys: string[]; stop: () => Promise<void> }
  let chain: Chain | undefined;
  let provider: JsonRpcProvider;
  let registry = '';
  const owner = path.join(dir, 'owner.json');
  const stranger = path.join(dir, 'stranger.json');
  const nodeKey = path.join(dir, 'admit-node.json');
  const fp = path.join(dir, 'admit-node.fingerprint.json');
  const read = () => new Registry(registry, provider);

  beforeAll(async () => {
    const { startHardhatNode } = (await import('../../scripts/hardhat-node.mjs')) as { startHardhatNode: () => Promise<Chain> };
    chain = await startHardhatNode();
    provider = rpcProvider(chain.url);
    const funder = new Wallet(chain.devKeys[0], provider);
    for (const file of [owner, stranger, nodeKey]) {
      const made = aivm(['keys', 'new', '--out', file, '--scrypt-n', '1024'], PW);
      expect(made.status, made.stderr).toBe(0);
      await (await funder.sendTransaction({ to: made.stdout.trim(), value: parseEther('1') })).wait();
    }
    const signed = aivm(['selftest', '--sign', '--keystore', nodeKey, '--isa', 'scalar', '--out', fp], PW);
    expect(signed.status, signed.stderr).toBe(0);
    const deployed = await aivmAsync(['deploy', '--rpc', chain.url, '--keystore', owner, '--json'], PW);
    expect(deployed.status, deployed.stderr).toBe(0);
    registry = JSON.parse(deployed.stdout).registry;
  }, 120_000);

  afterAll(async () => {
    provider?.destroy();
    await chain?.stop();
  });

  const chainArgs = (keystore: string) => ['--rpc', chain!.url, '--registry', registry, '--keystore', keystore];

  it('admit by a key that is not the owner is E_CHAIN naming the owner; nothing is admitted', async () => {
    const node = aivm(['keys', 'address', nodeKey]).stdout.trim();
    const r = await aivmAsync(['admit', fp, ...chainArgs(stranger)], PW);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`E_CHAIN: only the registry's owner ${aivm(['keys', 'address', owner]).stdout.trim()} admits nodes`));
    expect(await read().isAdmitted(node)).toBe(false);
  });

  it('admit by the owner admits the node its signed fingerprint names; --remove removes it', async () => {
    const node = aivm(['keys', 'address', nodeKey]).stdout.trim();
    const r = await aivmAsync(['admit', fp, ...chainArgs(owner), '--json'], PW);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ registry, nodes: [{ node, isa: 'scalar', admitted: true }] });
    expect(await read().isAdmitted(node)).toBe(true);
    const removed = await aivmAsync(['admit', node, '--remove', ...chainArgs(owner)], PW);
    expect(removed.status, removed.stderr).toBe(0);
    expect(await read().isAdmitted(node)).toBe(false);
  });

  it('admit refuses a tampered fingerprint (E_SIGNATURE) and admits no one, not even the valid files before it', async () => {
    const node = aivm(['keys', 'address', nodeKey]).stdout.trim();
    const file = JSON.parse(fs.readFileSync(fp, 'utf8'));
    file.fingerprint.isa = file.fingerprint.isa === 'scalar' ? 'avx2' : 'scalar';
    const tampered = path.join(dir, 'admit-tampered.json');
    fs.writeFileSync(tampered, JSON.stringify(file));
    const r = await aivmAsync(['admit', fp, tampered, ...chainArgs(owner)], PW);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_SIGNATURE: /);
    expect(r.stdout).toBe('');
    expect(await read().isAdmitted(node)).toBe(false);
  });

  it('request by kernel id skips a squatter\'s registration (its own first, then each in turn)', async () => {
    // A squatter registers the real id first, at a URI that holds nothing.
    const squat = await aivmAsync(['publish', MLP, '--uri', path.join(dir, 'no-such-kernel'), ...chainArgs(stranger), '--json'], PW);
    expect(squat.status, squat.stderr).toBe(0);
    const published = await aivmAsync(['publish', MLP, ...chainArgs(owner), '--json'], PW);
    expect(published.status, published.stderr).toBe(0);
    const { kernelId } = JSON.parse(published.stdout) as { kernelId: string };
    expect((await read().kernelOf(kernelId))?.uri).toBe(path.join(dir, 'no-such-kernel'));
    for (const key of [owner, nodeKey]) {
      const r = await aivmAsync(['request', kernelId, '--input', MLP_INPUT, ...chainArgs(key), '--kernels', path.join(dir, 'cli-kernels'), '--json'], PW);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ kernelId });
    }
  });

  it('request posts a relative --input-uri as an absolute path (nodes read it from their own directory)', async () => {
    const cwd = fs.mkdtempSync(path.join(dir, 'cwd-'));
    const r = await aivmAsync(['request', MLP, '--input', MLP_INPUT, '--input-uri', 'inputs/digit.bin', ...chainArgs(owner), '--json'], PW, cwd);
    expect(r.status, r.stderr).toBe(0);
    const { requestId } = JSON.parse(r.stdout) as { requestId: string };
    expect((await read().requestedEvent(requestId))?.inputUri).toBe(path.join(fs.realpathSync(cwd), 'inputs', 'digit.bin'));
    // A URL is posted as given.
    const url = await aivmAsync(['request', MLP, '--input', MLP_INPUT, '--input-uri', 'https://example.org/in.bin', ...chainArgs(owner), '--json'], PW, cwd);
    expect(url.status, url.stderr).toBe(0);
    expect((await read().requestedEvent(JSON.parse(url.stdout).requestId))?.inputUri).toBe('https://example.org/in.bin');
  });
});
