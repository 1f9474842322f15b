// The package as users load it (compiled dist/, `npm test` runs tsc first): its
// entry points, what each one loads, and no import cycle between its modules.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');

/**
 * Loads `specifier` in a fresh node (from the repository root, so '@aivm/native' resolves
 * to this package through its own "exports"), then lists the npm packages it loaded and
 * the names it exports. `how` is 'require' or 'import' (ESM importing the CommonJS build).
 */
function load(specifier: string, how: 'require' | 'import' = 'require'): { packages: string[]; exports: string[] } {
  const script = `
    const packages = () => [...new Set(Object.keys(require.cache).flatMap((f) => {
      const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(f);
      return m ? [m[1].replace('\\\\', '/')] : [];
    }))].sort();
    const done = (m) => console.log(JSON.stringify({ packages: packages(), exports: Object.keys(m).sort() }));
    ${how === 'require' ? `done(require(${JSON.stringify(specifier)}));` : `import(${JSON.stringify(specifier)}).then((m) => done(m.default ?? m));`}
  `;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node -e loading ${specifier} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const HEAVY = ['ethers', 'quickjs-emscripten'];
const heavy = (packages: string[]) => packages.filter((p) => HEAVY.some((h) => p === h || p.startsWith(`${h}-`) || p.startsWith('@jitl/quickjs')));

describe('entry points', () => {
  it("require('@aivm/native') and import('@aivm/native') load neither ethers nor quickjs-emscripten", () => {
    for (const how of ['require', 'import'] as const) {
      const { packages, exports } = load('@aivm/native', how);
      expect(heavy(packages)).toEqual([]);
      expect(exports).toEqual(expect.arrayContaining(['loadKernel', 'Runtime', 'runOp', 'hashTensors', 'engineInfo', 'selftest', 'tensor', 'AivmError', 'encodeTensors']));
      // The network is only '@aivm/native/network'.
      expect(exports).not.toContain('AivmNode');
      expect(exports).not.toContain('Registry');
    }
  });

  it("'@aivm/native/network' holds the network and the chain (and does load ethers: the check above can see it)", () => {
    const { packages, exports } = load('@aivm/native/network');
    expect(packages).toContain('ethers');
    expect(exports).toEqual(expect.arrayContaining([
      'AivmNode', 'commitmentFor', 'Registry', 'deployRegistry', 'rpcProvider', 'chainReason', 'signResult', 'verifySignedResult',
      'resultDigest', 'RESULT_TYPES', 'signFingerprint', 'verifyFingerprint', 'REFERENCE_SELFTEST', 'createKeystore', 'openKeystore',
      'keystoreAddress', 'runAggregation', 'DEFAULT_POLICY',
    ]));
  });

  it("'@aivm/native/ort' has onnxruntime-node's InferenceSession and Tensor, and loads neither ethers nor quickjs-emscripten", () => {
    for (const how of ['require', 'import'] as const) {
      const { packages, exports } = load('@aivm/native/ort', how);
      expect(heavy(packages)).toEqual([]);
      expect(exports).toEqual(expect.arrayContaining(['InferenceSession', 'Tensor']));
    }
  });

  it('package.json exports ".", "./network", "./ort" and "./package.json", and still names main and types', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.exports).toEqual({
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './network': { types: './dist/network/index.d.ts', default: './dist/network/index.js' },
      './ort': { types: './dist/ort.d.ts', default: './dist/ort.js' },
      './package.json': './package.json',
    });
    expect([pkg.main, pkg.types]).toEqual(['dist/index.js', 'dist/index.d.ts']);
    // TypeScript's older "node" resolution ignores "exports": this finds the sub-paths' types for it.
    expect(pkg.typesVersions).toEqual({ '*': { network: ['dist/network/index.d.ts'], ort: ['dist/ort.d.ts'] } });
    for (const target of ['dist/index.js', 'dist/index.d.ts', 'dist/network/index.js', 'dist/network/index.d.ts', 'dist/ort.js', 'dist/ort.d.ts']) {
      expect(fs.existsSync(path.join(root, target)), target).toBe(true);
    }
  });
});

describe('import cycles', () => {
  const checker = path.join(root, 'scripts', 'check-import-cycles.mjs');
  const check = (...args: string[]) => spawnSync(process.execPath, [checker, ...args], { cwd: root, encoding: 'utf8' });

  it('none between the compiled modules (scripts/check-import-cycles.mjs over dist/)', () => {
    const r = check();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/no import cycle/);
  });

  it('the checker finds a cycle through a directory index and a self-import', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aivm-cycles-'));
    try {
      fs.mkdirSync(path.join(dir, 'sub'));
      fs.writeFileSync(path.join(dir, 'a.js'), 'require("./b");\n');
      fs.writeFileSync(path.join(dir, 'b.js'), 'const s = require("./sub");\n');
      fs.writeFileSync(path.join(dir, 'sub', 'index.js'), 'function lazy() { return require("../a.js"); }\n');
      fs.writeFileSync(path.join(dir, 'c.js'), 'require("./c");\nrequire("fs");\n');
      fs.writeFileSync(path.join(dir, 'leaf.js'), 'require("./b");\n');
      const r = check('--dir', dir);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`import cycle: a.js -> b.js -> ${path.join('sub', 'index.js')} -> a.js`);
      expect(r.stderr).toContain('import cycle: c.js -> c.js');
      expect(r.stderr).not.toContain('leaf.js');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
