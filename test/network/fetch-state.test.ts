// Edges of fetching and of the node's state file that need no chain: a redirect is a final
// answer (not retried until the deadline), and a process that lost its state lock stops writing.
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTransient, readUri } from '../../lib/network/fetch';
import { StateFile } from '../../lib/network/state';

describe('http fetch', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/data' }).end();
      else if (req.url === '/data') res.writeHead(200, { 'content-length': 3 }).end('abc');
      else if (req.url === '/busy') res.writeHead(503).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return err as Error & { code?: string };
    }
    throw new Error('expected a failure');
  };

  it('reads a plain answer', async () => {
    expect(Buffer.from(await readUri(`${base}/data`, 100, 'test')).toString()).toBe('abc');
  });

  it('a redirect is refused at once and is not retried (the registered URI must be the place)', async () => {
    const err = await failure(readUri(`${base}/moved`, 100, 'test'));
    expect(err.code).toBe('E_FETCH');
    expect(err.message).toMatch(/redirects \(302\) to \/data/);
    expect(isTransient(err)).toBe(false);
  });

  it('a 503 is transient and a 404 is not', async () => {
    expect(isTransient(await failure(readUri(`${base}/busy`, 100, 'test')))).toBe(true);
    const missing = await failure(readUri(`${base}/none`, 100, 'test'));
    expect([missing.code, isTransient(missing)]).toEqual(['E_FETCH', false]);
  });
});

describe('node state file', () => {
  it('a process whose lock was taken over refuses to write the state', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-state-'));
    const store = new StateFile(dir, '0x' + '11'.repeat(20), '0x' + '22'.repeat(20), 31337n);
    store.save();
    // Another process (pid 1, alive) took the lock over, as after a stale-lock race.
    fs.writeFileSync(`${store.file}.lock`, '1\n');
    let err: (Error & { code?: string }) | undefined;
    try {
      store.save();
    } catch (e) {
      err = e as Error & { code?: string };
    }
    expect(err?.code).toBe('E_ARG');
    expect(err?.message).toMatch(/lost its lock .* to process 1; refusing to write/);
    store.release();
    expect(fs.readFileSync(`${store.file}.lock`, 'utf8')).toBe('1\n'); // not ours: left alone
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('read-only registry client', () => {
  it('reads without a key and refuses to send with E_ARG', async () => {
    const { JsonRpcProvider } = await import('ethers');
    const { Registry } = await import('../../lib/chain/registry');
    const reg = new Registry('0x' + '33'.repeat(20), new JsonRpcProvider('http://127.0.0.1:9', 31337, { staticNetwork: true }));
    expect(() => reg.wallet).toThrow(/read-only/);
    let code: string | undefined;
    try {
      await reg.commit('0x' + '44'.repeat(32), '0x' + '55'.repeat(32));
    } catch (err) {
      code = (err as { code?: string }).code;
    }
    expect(code).toBe('E_ARG');
  });
});
