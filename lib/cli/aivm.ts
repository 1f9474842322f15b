#!/usr/bin/env node
// The `aivm` command line. Each command lives in its own module; this file
// parses, dispatches and turns errors into exit codes (1: AivmError, 2: usage).
import { AivmError } from '../errors';
import { parseArgs, UsageError } from './args';
import { diffCommand } from './diff-command';
import { infoCommand, selftestCommand } from './engine-commands';
import { exportCommand, idCommand, inspectCommand, runCommand, sealCommand, verifyCommand } from './kernel-commands';

const USAGE = `usage: aivm <command> [options]

kernels:
  run <kernel> [--input FILE.json|FILE.npy | --vector NAME] [--workers N] [--threads N]
      [--isa X] [--trace FILE] [--json]
                        run a kernel (default input: its first golden vector); print the
                        outputs, the output hash and the receipt; --trace writes every op's
                        output hash and values for \`aivm diff\`
  verify <kernel> [--isa X] [--json] [--update-golden]
                        run the golden vectors on every ISA x threads (1, 2) x workers (1, 2)
                        and print a pass/fail table; exit 1 on any mismatch
  inspect <kernel> [--json]   id, inputs, outputs, ops, parameters, gas and memory per vector
  id <kernel>                 the kernel id (after checking every file digest)
  seal <kernel>               (authors) recompute every file digest in aivm.json, print the new id
  export <kernel> --out DIR   each golden vector as a program file for \`aivm_selftest --program\`
                        (whole kernels on targets without Node)
  diff <traceA> <traceB> [--json]
                        the first op where two traces diverge, and by how many ulps

engine:
  info [--json]               engine version, numerics, ISAs, threads
  selftest [--isa X] [--threads N] [--json]
                        every op on generator-made inputs, one hash per op and a total;
                        equal hashes = equal bits on any machine
  help                        this text`;

async function main(argv: string[]): Promise<number> {
  const p = parseArgs(argv);
  switch (p.command) {
    case 'run': return runCommand(p);
    case 'verify': return verifyCommand(p);
    case 'inspect': return inspectCommand(p);
    case 'id': return idCommand(p);
    case 'diff': return diffCommand(p);
    case 'seal': return sealCommand(p);
    case 'export': return exportCommand(p);
    case 'info': return infoCommand(p);
    case 'selftest': return selftestCommand(p);
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command '${p.command}'`);
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
