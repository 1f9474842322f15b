// Deterministic topological order of a graph's nodes, with the name checks that make the
// order meaningful. Kahn's algorithm that always takes the earliest-in-file ready node, so a
// graph already in a valid order comes back unchanged and any order is a pure function of
// the file. Subgraph attributes (If/Loop bodies) are not looked into.

import { AivmError } from '../errors';
import { describeNode } from './model';
import type { OnnxGraph, OnnxNode } from './types';

function invalid(msg: string): AivmError {
  return new AivmError('E_ONNX_INVALID', msg);
}

const GRAPH_INPUT = -1;
const INITIALIZER = -2;

/**
 * Returns the nodes in execution order. E_ONNX_INVALID for: a value defined twice (two
 * graph inputs, two initializers, or a node output that is also an input, initializer or
 * another output; an initializer may share a graph input's name, as IR < 4 requires), a node
 * input that nothing defines, a graph output nothing defines, and a cycle.
 */
export function topoSort(graph: OnnxGraph): OnnxNode[] {
  const nodes = graph.nodes;
  const producer = new Map<string, number>(); // value -> node index, GRAPH_INPUT or INITIALIZER
  const definedBy = (p: number): string =>
    p === GRAPH_INPUT ? 'a graph input' : p === INITIALIZER ? 'an initializer' : describeNode(nodes[p], p);

  for (const v of graph.inputs) {
    if (v.name === '') throw invalid('a graph input has an empty name');
    if (producer.has(v.name)) throw invalid(`value '${v.name}' is defined twice: two graph inputs`);
    producer.set(v.name, GRAPH_INPUT);
  }
  const initNames = new Set<string>();
  for (const t of graph.initializers) {
    if (initNames.has(t.name)) throw invalid(`value '${t.name}' is defined twice: two initializers`);
    initNames.add(t.name);
    if (!producer.has(t.name)) producer.set(t.name, INITIALIZER);
  }
  nodes.forEach((node, i) => {
    for (const out of node.outputs) {
      if (out === '') continue;
      const prev = producer.get(out);
      if (prev !== undefined) {
        throw invalid(`value '${out}' is defined twice: by ${definedBy(prev)} and by ${describeNode(node, i)}`);
      }
      producer.set(out, i);
    }
  });

  // pending[i] = inputs of node i still waiting for their producing node.
  const pending = new Array<number>(nodes.length).fill(0);
  const consumers: number[][] = nodes.map(() => []);
  nodes.forEach((node, i) => {
    for (const inp of node.inputs) {
      if (inp === '') continue;
      const p = producer.get(inp);
      if (p === undefined) {
        throw invalid(
          `${describeNode(node, i)}: input '${inp}' is not a graph input, an initializer or the output of any node`,
        );
      }
      if (p >= 0) {
        pending[i]++;
        consumers[p].push(i);
      }
    }
  });
  for (const v of graph.outputs) {
    if (!producer.has(v.name)) throw invalid(`graph output '${v.name}' is never produced`);
  }

  const ready = new MinHeap();
  pending.forEach((n, i) => {
    if (n === 0) ready.push(i);
  });
  const order: OnnxNode[] = [];
  const done = new Array<boolean>(nodes.length).fill(false);
  while (ready.size > 0) {
    const i = ready.pop();
    done[i] = true;
    order.push(nodes[i]);
    for (const c of consumers[i]) {
      if (--pending[c] === 0) ready.push(c);
    }
  }
  if (order.length !== nodes.length) throw invalid(describeCycle(nodes, producer, done));
  return order;
}

// Walks back from a node left over by Kahn's algorithm through unfinished producers; the walk
// must revisit a node, and that node lies on a cycle.
function describeCycle(nodes: OnnxNode[], producer: Map<string, number>, done: boolean[]): string {
  const unfinishedProducer = (i: number): number => {
    for (const inp of nodes[i].inputs) {
      const p = inp === '' ? undefined : producer.get(inp);
      if (p !== undefined && p >= 0 && !done[p]) return p;
    }
    return -1; // not reached: a left-over node always waits for an unfinished producer
  };
  let cur = done.indexOf(false);
  const seen = new Set<number>();
  while (!seen.has(cur)) {
    seen.add(cur);
    cur = unfinishedProducer(cur);
  }
  const cycle = [cur];
  for (let next = unfinishedProducer(cur); next !== cur && cycle.length < 8; next = unfinishedProducer(next)) {
    cycle.push(next);
  }
  const path = cycle
    .reverse()
    .map((i) => describeNode(nodes[i], i))
    .join(' -> ');
  return `the graph has a cycle through ${describeNode(nodes[cur], cur)}: ${path}${cycle.length >= 8 ? ' -> ...' : ''} -> back`;
}

/** Binary min-heap of node indices. */
class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p] <= v) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0];
    const last = a.pop() as number;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r] < a[l] ? r : l;
        if (a[c] >= last) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
