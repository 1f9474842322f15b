#!/usr/bin/env node
// The `aivm` command line: engine facts and the cross-machine self-test.
import { AivmError, engineInfo, selftest } from '../index';

const USAGE = `usage: aivm <command> [options]

commands:
  info [--json]                                  engine version, numerics, ISAs, threads
  selftest [--isa X] [--threads N] [--json]      run every op on generator-made inputs and
                                                 print one hash per op and a total hash;
                                                 equal hashes = equal bits on any machine
  help                                           this text`;

interface Parsed {
  command: string;
  flags: Map<string, string | true>;
}

function parse(argv: string[]): Parsed {
  const [command = 'help', ...rest] = argv;
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) throw usageError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (arg === '--json') {
      flags.set('json', true);
    } else {
      const value = rest[i + 1];
      if (value === undefined || value.startsWith('--')) throw usageError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    }
  }
  return { command, flags };
}

class UsageError extends Error {}
function usageError(message: string): UsageError {
  return new UsageError(message);
}

function allowOnly(flags: Map<string, string | true>, allowed: string[]): void {
  for (const k of flags.keys()) {
    if (!allowed.includes(k)) throw usageError(`unknown option --${k}`);
  }
}

function threadsFlag(flags: Map<string, string | true>): number | undefined {
  const v = flags.get('threads');
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1 || n > 256) {
    throw new AivmError('E_THREADS', `--threads must be an integer in [1, 256], got '${String(v)}'`);
  }
  return n;
}

async function main(argv: string[]): Promise<number> {
  const { command, flags } = parse(argv);
  const json = flags.get('json') === true;
  switch (command) {
    case 'info': {
      allowOnly(flags, ['json']);
      const info = engineInfo();
      if (json) {
        console.log(JSON.stringify(info, null, 2));
      } else {
        console.log(`@aivm/native ${info.version}`);
        console.log(`numerics    ${info.numerics}`);
        console.log(`isas        ${info.isas.join(', ')}`);
        console.log(`defaultIsa  ${info.defaultIsa}`);
        console.log(`threads     ${info.threads}`);
        console.log(`ops         ${info.ops.length}: ${info.ops.join(' ')}`);
      }
      return 0;
    }
    case 'selftest': {
      allowOnly(flags, ['json', 'isa', 'threads']);
      const isa = flags.get('isa');
      if (isa === true) throw usageError('--isa needs a value');
      const started = Date.now();
      const result = await selftest({ isa, threads: threadsFlag(flags) });
      if (json) {
        const { isa: i, threads, numerics, ops, total } = result;
        console.log(JSON.stringify({ isa: i, threads, numerics, ops, total }, null, 2));
      } else {
        console.log(`selftest ${result.numerics} isa=${result.isa} threads=${result.threads} (${result.cases} cases, ${Date.now() - started} ms)`);
        const width = Math.max(...Object.keys(result.ops).map((k) => k.length));
        for (const [op, hash] of Object.entries(result.ops)) console.log(`  ${op.padEnd(width)}  ${hash}`);
        console.log(`total  ${result.total}`);
      }
      return 0;
    }
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      throw usageError(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`aivm: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (err instanceof AivmError) {
      console.error(`aivm: ${err.code}: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(`aivm: internal error: ${(err as Error)?.stack ?? String(err)}`);
      process.exitCode = 70;
    }
  },
);
