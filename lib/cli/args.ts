// Command-line parsing shared by every `aivm` command: positionals, --flag value,
// --flag=value and a few boolean switches. Unknown options are errors.
import { AivmError } from '../errors';

export class UsageError extends Error {}

export interface Parsed {
  command: string;
  positionals: string[];
  flags: Map<string, string | true>;
}

const SWITCHES = new Set(['json', 'update-golden', 'no-progress', 'sign', 'wait', 'remove', 'allow-local-inputs']);

export function parseArgs(argv: string[]): Parsed {
  const [command = 'help', ...rest] = argv;
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) {
      if (eq === arg.length - 1) throw new UsageError(`${arg.slice(0, eq)} needs a value`);
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (SWITCHES.has(arg.slice(2))) {
      flags.set(arg.slice(2), true);
    } else {
      const value = rest[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    }
  }
  return { command, positionals, flags };
}

export function allowOnly(p: Parsed, allowed: string[], positionals: [number, number]): void {
  for (const k of p.flags.keys()) {
    if (!allowed.includes(k)) throw new UsageError(`unknown option --${k} for '${p.command}'`);
  }
  const [min, max] = positionals;
  if (p.positionals.length < min) throw new UsageError(`'${p.command}' needs ${min === 1 ? 'an argument' : `${min} arguments`}`);
  if (p.positionals.length > max) throw new UsageError(`unexpected argument '${p.positionals[max]}'`);
}

export function stringFlag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

export function intFlag(p: Parsed, name: string, min: number, max: number, code: 'E_THREADS' | 'E_ARG' = 'E_ARG'): number | undefined {
  const v = stringFlag(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new AivmError(code, `--${name} must be an integer in [${min}, ${max}], got '${v}'`);
  return n;
}
