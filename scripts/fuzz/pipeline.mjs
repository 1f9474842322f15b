// What a JS fuzz case runs through, and the oracle that judges how it ended.
// Loaded only in child processes (scripts/fuzz/worker.mjs) and for repro
// files: it loads the addon from build/ and the compiled library from dist/.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const dist = (m) => require(path.join(ROOT, 'dist', m));

export const { binding } = dist('binding.js');
export const { AivmError } = dist('errors.js');
export const { parseOnnxModel } = dist('onnx/index.js');
export const { buildIr, GRAPH_LEVEL_OPS } = dist('ir/build.js');
export const { lowerIr } = dist('ir/lower.js');
export const { engineAccess } = dist('runtime/executor.js');
export const { loadKernelFiles } = dist('kernel/index.js');
export const { DTYPE_TABLE } = dist('tensor.js');

/** Memory one case may plan (lowering's folded constants, a Program's arena and outputs). */
export const CASE_BYTES = 64 << 20;
/** Each run's own deadline: a run stopped by it is E_TIMEOUT, an accepted outcome. */
export const RUN_MS = 2000;

/** An outcome the oracle refuses: the case is saved as a repro file. */
export class Finding extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

/**
 * How a case ended, as an outcome name ('ok' or an AivmError code), or a
 * Finding: any exception that is not an AivmError, E_INTERNAL (an engine or
 * loader invariant broke), and running out of memory (E_TOO_LARGE "out of
 * memory": every case stays far below the child's address-space limit, so an
 * allocation got past the engine's limits and the caller's budgets).
 */
export function judge(err) {
  if (err instanceof Finding) return err;
  if (!(err instanceof AivmError)) return new Finding('exception', err?.stack ?? String(err));
  if (err.code === 'E_INTERNAL') return new Finding('internal', err.message);
  if (err.code === 'E_TOO_LARGE' && /out of memory/.test(err.message)) return new Finding('oom', err.message);
  return err.code;
}

export function engineContext() {
  const native = binding();
  const info = native.engineInfo();
  const wide = info.isas.filter((i) => i !== 'cuda').at(-1);
  const engine = engineAccess();
  return { native, info, wide, engine };
}

/**
 * A model all the way down: parse, IR, lowering for these input shapes,
 * Program, then a run on scalar x1 and on the widest ISA x2, whose output
 * hashes must be equal (the numerics contract). inputs follow the IR's order.
 */
export async function runModel(ctx, { bytes, parsed, inputs, extra = [], readExternal }) {
  const model = parsed ?? parseOnnxModel(bytes, { readExternal });
  const ir = buildIr(model, ctx.info.ops, extra);
  const feed = fitInputs(ir, inputs);
  const lowered = await lowerIr(ir, feed.map((t) => t.shape), ctx.engine, CASE_BYTES);
  const program = lowered.builder.build(lowered.spec.outputs);
  if (program.arenaBytes + program.outputBytes > CASE_BYTES) return 'planned-too-big';
  const a = program.runSync(feed, { isa: 'scalar', threads: 1, hash: true, timeoutMs: RUN_MS });
  let b;
  try {
    b = program.runSync(feed, { isa: ctx.wide, threads: 2, hash: true, timeoutMs: RUN_MS });
  } catch (err) {
    if (err instanceof AivmError && err.code === 'E_TIMEOUT') return 'E_TIMEOUT';
    throw new Finding('mismatch', `ran on scalar but not on ${ctx.wide}: ${err?.message ?? err}`);
  }
  if (a.outputHash !== b.outputHash) {
    throw new Finding('mismatch', `output hash differs: scalar x1 ${a.outputHash}, ${ctx.wide} x2 ${b.outputHash}`);
  }
  return 'ok';
}


/**
 * The given inputs where they still fit the (possibly mutated) model's inputs;
 * otherwise zeros of the model's dtype and shape, symbolic dims taken as 2.
 */
function fitInputs(ir, inputs) {
  return ir.inputs.map((spec, i) => {
    const t = inputs[i];
    const fits = t && t.dtype === spec.dtype && t.shape.length === spec.shape.length &&
      spec.shape.every((d, k) => typeof d !== 'number' || d === t.shape[k]);
    if (fits) return t;
    const shape = spec.shape.map((d) => (typeof d === 'number' ? d : 2));
    const n = shape.reduce((a, b) => a * b, 1);
    if (!(n <= CASE_BYTES / 8)) return { dtype: spec.dtype, shape: [0], data: new DTYPE_TABLE[spec.dtype].array(0) };
    return { dtype: spec.dtype, shape, data: new DTYPE_TABLE[spec.dtype].array(n) };
  });
}
