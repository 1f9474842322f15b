#!/usr/bin/env node
// The `aivm` command line. Each command lives in its own module; this file
// parses, dispatches and turns errors into exit codes (1: AivmError, 2: usage).
import { AivmError } from '../errors';
import { parseArgs, UsageError } from './args';
import { diffCommand } from './diff-command';
import { infoCommand, selftestCommand } from './engine-commands';
import { fingerprintCommand, keysCommand } from './key-commands';
import { admitCommand, aggregateCommand, deployCommand, nodeCommand, publishCommand, requestCommand, resultCommand } from './network-commands';
import { exportCommand, idCommand, inspectCommand, runCommand, sealCommand, verifyCommand } from './kernel-commands';
import { initCommand } from './init-command';
import { onnxTestCommand } from './onnx-test-command';

const USAGE = `usage: aivm <command> [options]

kernels:
  run <kernel> [--input FILE.json|FILE.npy | --vector NAME] [--workers N] [--threads N]
      [--isa X] [--trace FILE] [--timeout S] [--json]
                        run a kernel (default input: its first golden vector); print the
                        outputs, the output hash and the receipt; --trace writes every op's
                        output hash and values for \`aivm diff\`; --timeout stops the run
                        after S seconds (E_TIMEOUT)
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

models:
  init <model.onnx> [--out DIR] [--name N] [--dims a=1,b=8] [--max-dims a=64]
                        a sealed kernel directory from an ONNX file: inputs and outputs with
                        the model's symbolic dims, limits measured at --max-dims (default:
                        the golden sizes, --dims, default 1), the default aggregate.js and one
                        golden vector of generated inputs; then \`aivm verify DIR\`
  onnx-test <case-dir> [--json]
                        one folder in ONNX's backend-test format (model.onnx,
                        test_data_set_*/): every data set on every ISA x 1, 2 threads; per
                        output pass/fail with max abs/rel error, the hash per data set;
                        exit 0 only if all pass and every configuration agrees

engine:
  info [--json]               engine version, numerics, ISAs, threads
  selftest [--isa X] [--threads N] [--json]
                        every op on generator-made inputs, one hash per op and a total;
                        equal hashes = equal bits on any machine
  help                        this text

network:
  keys new --out FILE [--password-file F] [--scrypt-n N]
                        create a node key in an encrypted keystore (scrypt N default 2^17);
                        prints its address; the password comes from --password-file or
                        AIVM_PASSWORD, never from the command line
  keys address FILE           the address a keystore holds (without decrypting it)
  selftest --sign --keystore FILE [--password-file F] [--isa X] [--threads N] [--out FILE]
                        run the self-test and print (or write) the node's signed engine
                        fingerprint, the file a network admits nodes by
  selftest --verify FILE [--json]
                        check a signed fingerprint: the signature and the reference total;
                        exit 1 (E_SIGNATURE, E_FINGERPRINT) if the node is not admitted
  deploy --rpc URL --keystore FILE      deploy a registry contract (this key owns it); prints its address
  admit <fingerprint.json...> [--remove]
                        (registry owner) check each node's signed self-test fingerprint
                        (signature, reference total) and admit the node; only admitted nodes
                        commit; --remove takes addresses and removes them
  publish <kernel> [--uri URI]          register the kernel's id, manifest digest and URI
                        (default: its absolute directory; or an http(s) base URL serving it)
  request <kernelId|dir> --input FILE.json|.npy [--quorum K] [--nodes N]
      [--commit-seconds S] [--reveal-seconds S] [--input-uri URI] [--wait [--timeout S]] [--json]
                        post an inference request (input in calldata up to 16 KiB, else at
                        --input-uri); --wait prints the result once finalized
  node --kernels DIR --state DIR [--isa X] [--threads N] [--poll-ms N] [--allow-local-inputs]
                        run a node: watch for requests, fetch and check kernels, run them,
                        commit, reveal, aggregate in the sandbox and finalize; one JSON line
                        per event; the state dir keeps every salt (a restart loses nothing;
                        one node process per state dir); request inputs come from calldata or
                        http(s) URLs, and from local paths / file:// only with
                        --allow-local-inputs
      [--max-gas N] [--max-memory BYTES] [--max-kernel-bytes BYTES] [--max-run-seconds S]
      [--allowed-ops Op,Op,...] [--isolation process|thread]
                        operator caps, whatever a kernel declares (defaults: 1e10 gas, 1 GiB,
                        1 GiB, 60 s, every op); a kernel over them is refused (E_POLICY) and
                        never retried; runs execute in a child process unless --isolation thread
  result <requestId> [--wait [--timeout S]] [--json]
                        a request's commits, reveals and, once finalized, the agreed hash and
                        the dissenting nodes; exit 3 while not finalized
  aggregate <result files...> --kernel DIR [--quorum K] [--request ID] [--chain-id N]
      [--registry ADDRESS] [--json]
                        verify nodes' signed results (signature, request, kernel, chain and
                        registry: the flags, else the first valid file's) and run the
                        kernel's aggregate.js on them in the sandbox, offline
  chain options: --rpc URL (AIVM_RPC, default http://127.0.0.1:8545), --registry ADDRESS
  (AIVM_REGISTRY), --keystore FILE (AIVM_KEYSTORE), --password-file FILE (or AIVM_PASSWORD)`;

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
    case 'onnx-test': return onnxTestCommand(p);
    case 'init': return initCommand(p);
    case 'info': return infoCommand(p);
    case 'selftest': return p.flags.has('sign') || p.flags.has('verify') ? fingerprintCommand(p) : selftestCommand(p);
    case 'keys': return keysCommand(p);
    case 'deploy': return deployCommand(p);
    case 'admit': return admitCommand(p);
    case 'publish': return publishCommand(p);
    case 'request': return requestCommand(p);
    case 'node': return nodeCommand(p);
    case 'result': return resultCommand(p);
    case 'aggregate': return aggregateCommand(p);
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
