#!/usr/bin/env node
// Starts a local Hardhat dev chain (`hardhat node`) for the chain tests and for manual runs.
//
//   import { startHardhatNode } from './hardhat-node.mjs';
//   const chain = await startHardhatNode();   // { url, port, chainId, devKeys, stop }
//
//   node scripts/hardhat-node.mjs [--port P] [--fund 0xA,0xB]  runs one until SIGINT/SIGTERM
//                                       (--fund: 10 ETH to each address from the first dev account)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager, Wallet, parseEther } from 'ethers';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HARDHAT_CLI = path.join(root, 'node_modules/hardhat/internal/cli/cli.js');
const CONFIG = path.join(root, 'scripts/hardhat.config.cjs');
const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const TAIL_CHARS = 4_000;

// Hardhat funds the accounts of this public mnemonic (m/44'/60'/0'/0/i, 20 of them) unless the
// config names other accounts; ours does not. Deriving beats scraping the banner, which is
// printed after the "Started" line and would race with it. The addresses are checked against
// eth_accounts below, so a changed default fails loudly instead of yielding unfunded keys.
const HARDHAT_MNEMONIC = 'test test test test test test test test test test test junk';
const DEV_ACCOUNT_COUNT = 20;

function devKeys() {
  const base = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(HARDHAT_MNEMONIC), "m/44'/60'/0'/0");
  return Array.from({ length: DEV_ACCOUNT_COUNT }, (_, i) => base.deriveChild(i));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

function launch(port) {
  const child = spawn(
    process.execPath,
    [HARDHAT_CLI, '--config', CONFIG, 'node', '--hostname', HOST, '--port', String(port)],
    {
      cwd: root,
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // A test run that crashes or forgets stop() must not leave the chain running. Only
  // synchronous work is possible in 'exit', hence SIGKILL.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  let tail = '';
  let exited = false;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      process.off('exit', killOnExit);
      resolve({ code, signal });
    });
  });

  const ready = new Promise((resolve, reject) => {
    const fail = (why) => reject(new Error(`hardhat node on port ${port} ${why}; output tail:\n${tail}`));
    const timer = setTimeout(() => {
      fail(`did not start within ${START_TIMEOUT_MS / 1000} s`);
      child.kill('SIGKILL');
    }, START_TIMEOUT_MS);
    // Keep draining both pipes for the node's whole life: it logs every RPC call, and a full
    // pipe would block it.
    const onData = (chunk) => {
      tail = (tail + chunk.toString()).slice(-TAIL_CHARS);
      if (tail.includes('Started HTTP')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      fail(`could not be spawned (${err.message})`);
    });
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(`exited early (code ${code}, signal ${signal})`);
    });
  });

  async function stop() {
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exitPromise;
    clearTimeout(timer);
  }

  return { ready, stop, output: () => tail };
}

/**
 * Starts `hardhat node` on 127.0.0.1 (a free port unless one is given) and resolves once it
 * serves JSON-RPC.
 * @param {{ port?: number }} [options]
 * @returns {Promise<{ url: string, port: number, chainId: number, devKeys: string[], stop: () => Promise<void> }>}
 */
export async function startHardhatNode({ port } = {}) {
  if (!existsSync(HARDHAT_CLI)) throw new Error(`hardhat is not installed (${HARDHAT_CLI} missing)`);
  // A port picked by freePort() may be taken before hardhat binds it; retry with a new one then.
  for (let attempt = 1; ; attempt++) {
    const p = port ?? (await freePort());
    const node = launch(p);
    try {
      await node.ready;
    } catch (err) {
      await node.stop();
      if (port === undefined && attempt < 3 && /EADDRINUSE/.test(node.output())) continue;
      throw err;
    }
    const url = `http://${HOST}:${p}/`;
    try {
      const chainId = Number(await rpc(url, 'eth_chainId'));
      const accounts = (await rpc(url, 'eth_accounts')).map((a) => a.toLowerCase());
      const wallets = devKeys();
      const mismatch = wallets.findIndex((w, i) => accounts[i] !== w.address.toLowerCase());
      if (mismatch !== -1) {
        throw new Error(`hardhat dev account #${mismatch} is ${accounts[mismatch]}, not the default mnemonic's`);
      }
      return { url, port: p, chainId, devKeys: wallets.map((w) => w.privateKey), stop: node.stop };
    } catch (err) {
      await node.stop();
      throw err;
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const i = process.argv.indexOf('--port');
  const port = i === -1 ? undefined : Number(process.argv[i + 1]);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    console.error('usage: node scripts/hardhat-node.mjs [--port P] [--fund 0xADDR,0xADDR...]');
    process.exit(2);
  }
  const f = process.argv.indexOf('--fund');
  const fund = f === -1 ? [] : (process.argv[f + 1] ?? '').split(',').filter(Boolean);
  const chain = await startHardhatNode({ port });
  console.log(`hardhat node: ${chain.url} (chain id ${chain.chainId}, ${chain.devKeys.length} funded dev accounts)`);
  if (fund.length) {
    // New keystores hold no ether: give each address 10 ETH from the first dev account.
    const funder = new NonceManager(new Wallet(chain.devKeys[0], new JsonRpcProvider(chain.url)));
    for (const to of fund) {
      await (await funder.sendTransaction({ to, value: parseEther('10') })).wait();
      console.log(`funded ${to} with 10 ETH`);
    }
  }
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      await chain.stop();
      process.exit(0);
    });
  }
}
