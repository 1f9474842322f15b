// Human-readable and JSON forms of tensors and receipts for the CLI.
import type { Receipt } from '../runtime/runtime';
import { elementValues, FLOAT_DTYPES, type Tensor } from '../tensor';

const SHOW = 8;

/** One line per tensor: dtype, shape, the first values, and for float rows the argmax. */
export function summarize(name: string, t: Tensor): string[] {
  const values = elementValues(t);
  const isFloat = FLOAT_DTYPES.includes(t.dtype);
  const fmt = (v: number | bigint) => (typeof v === 'bigint' ? v.toString() : isFloat ? formatFloat(v) : String(v));
  const head = values.slice(0, SHOW).map(fmt).join(', ') + (values.length > SHOW ? `, … (${values.length} values)` : '');
  const lines = [`  ${name}  ${t.dtype} [${t.shape.join(', ')}]  [${head}]`];
  if (isFloat && t.shape.length >= 1 && values.length > 0) {
    const cols = t.shape[t.shape.length - 1];
    const rows = values.length / cols;
    if (cols > 1 && rows <= 16) {
      const argmax: number[] = [];
      for (let r = 0; r < rows; r++) {
        let best = 0;
        for (let c = 1; c < cols; c++) if ((values[r * cols + c] as number) > (values[r * cols + best] as number)) best = c;
        argmax.push(best);
      }
      lines.push(`  ${' '.repeat(name.length)}  argmax over the last axis: [${argmax.join(', ')}]`);
    }
  }
  return lines;
}

function formatFloat(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e6 ? v.toFixed(4) : v.toExponential(3);
}

export function tensorToJson(t: Tensor): { dtype: string; shape: number[]; data: (number | string)[] } {
  const data = elementValues(t).map((v) => {
    if (typeof v === 'bigint') return v.toString();
    // JSON has no NaN, Infinity or -0: write those as strings (the input JSON format reads them back).
    if (Object.is(v, -0)) return '-0';
    return Number.isFinite(v) ? v : String(v);
  });
  return { dtype: t.dtype, shape: t.shape, data };
}

export function receiptToJson(r: Receipt, withOutputs = true): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kernelId: r.kernelId,
    inputHash: r.inputHash,
    outputHash: r.outputHash,
    gasUsed: r.gasUsed.toString(),
    gasVersion: r.gasVersion,
    memoryBytes: r.memoryBytes,
    numerics: r.numerics,
    engineVersion: r.engineVersion,
    execution: r.execution,
  };
  if (withOutputs) out.outputs = Object.fromEntries(Object.entries(r.outputs).map(([k, t]) => [k, tensorToJson(t)]));
  if (r.trace) out.trace = { root: r.trace.root, nodes: r.trace.nodes.map(({ values: _v, ...n }) => n) };
  return out;
}
