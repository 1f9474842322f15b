// The JS fuzz targets, run in child processes by worker.mjs. Each has
//   setup()        -> ctx (the engine, and what the target loads once)
//   make(rng, ctx) -> a case (plain data: it is also what a repro file holds)
//   run(ctx, case) -> an outcome name, or throws (judged by pipeline.judge)
import { graphCase } from './graphs.mjs';
import { loadSeeds, mutationCase } from './mutate.mjs';
import { engineContext, Finding, GRAPH_LEVEL_OPS, runModel } from './pipeline.mjs';
import { discoverOps, runOpCall, runOpCase } from './runop.mjs';

export const JS_TARGETS = {
  // Structured random graphs through ONNX, the IR, lowering, a Program and two runs.
  graphs: {
    setup: async () => engineContext(),
    make: (rng) => graphCase(rng),
    run: (ctx, c) => runModel(ctx, { bytes: c.model, inputs: c.inputs }),
  },
  // Byte and structure mutations of every shipped and fixture kernel, the same way down.
  kernels: {
    setup: async () => {
      const ctx = engineContext();
      ctx.seeds = await loadSeeds(ctx.info.ops);
      ctx.opTypes = [...ctx.info.ops, ...GRAPH_LEVEL_OPS];
      return ctx;
    },
    make: (rng, ctx) => mutationCase(rng, ctx.seeds, ctx.opTypes),
    run: (ctx, c) => {
      const seed = ctx.seeds.find((s) => s.name === c.seed);
      return runModel(ctx, { bytes: c.bytes, parsed: c.parsed, inputs: c.inputs, extra: seed.extra, readExternal: seed.readExternal });
    },
  },
  // runOp / inferOp calls with random and hostile arguments.
  runop: {
    setup: async () => {
      const ctx = engineContext();
      ctx.table = discoverOps(ctx.native, ctx.info);
      return ctx;
    },
    make: (rng, ctx) => runOpCase(rng, ctx.table, ctx.wide),
    run: (ctx, c) => runOpCall(ctx.native, c, ctx.wide, Finding),
  },
};
