// Deterministic topological order of a graph's nodes, with the name checks that make the
// order meaningful. Kahn's algorithm that always takes the earliest-in-file ready node, so a
// graph already in a valid order comes back unchanged and any order is a pure function of
// the file. A node with subgraph attributes (If's branches, Loop's and Scan's bodies) also
// depends on the values its subgraphs read from the enclosing graph (its implicit inputs),
// and each subgraph is checked the same way, with the enclosing graphs' values visible.

import { AivmError } from '../errors';
import { describeNode } from './model';
import type { OnnxGraph, OnnxNode } from './types';

function invalid(msg: string): AivmError {
  return new AivmError('E_ONNX_INVALID', msg);
}

const GRAPH_INPUT = -1;
const INITIALIZER = -2;

/** The subgraphs of a node's attributes, in attribute order (graphs in list order). */
export function subgraphsOf(node: OnnxNode): { attr: string; graph: OnnxGraph }[] {
  const out: { attr: string; graph: OnnxGraph }[] = [];
  for (const [attr, a] of node.attributes) {
    if (a.kind === 'graph') out.push({ attr, graph: a.value });
    if (a.kind === 'graphs') a.value.forEach((g, i) => out.push({ attr: `${attr}[${i}]`, graph: g }));
  }
  return out;
}

/**
 * The values a graph reads from enclosing graphs: names its nodes' inputs, its outputs and
 * its own subgraphs use that it does not define (as an input, initializer or node output),
 * in order of first use.
 */
export function outerNames(graph: OnnxGraph): string[] {
  const defined = new Set<string>([...graph.inputs.map((v) => v.name), ...graph.initializers.map((t) => t.name)]);
  for (const n of graph.nodes) for (const o of n.outputs) if (o !== '') defined.add(o);
  const seen = new Set<string>();
  const out: string[] = [];
  const use = (name: string) => {
    if (name !== '' && !defined.has(name) && !seen.has(name)) {
      seen.add(name);
      out.push(name);
    }
  };
  for (const n of graph.nodes) {
    n.inputs.forEach(use);
    for (const s of subgraphsOf(n)) outerNames(s.graph).forEach(use);
  }
  graph.outputs.forEach((v) => use(v.name));
  return out;
}

/** A node's inputs followed by the values its subgraphs read from this graph or above (its implicit inputs). */
export function nodeReads(node: OnnxNode): string[] {
  const implicit = subgraphsOf(node).flatMap((s) => outerNames(s.graph));
  return [...node.inputs, ...implicit.filter((n) => !node.inputs.includes(n))];
}

/**
 * Returns the nodes in execution order. E_ONNX_INVALID for: a value defined twice (two
 * graph inputs, two initializers, or a node output that is also an input, initializer or
 * another output; an initializer may share a graph input's name, as IR < 4 requires), a node
 * input that nothing defines, a graph output nothing defines, and a cycle; the same in every
 * subgraph, where the values of the enclosing graphs (`outer`) are visible too.
 */
export function topoSort(graph: OnnxGraph, outer: ReadonlySet<string> = new Set()): OnnxNode[] {
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

  // Each subgraph sees this graph's values and the enclosing ones.
  const visible = new Set<string>([...outer, ...producer.keys()]);
  nodes.forEach((node, i) => {
    for (const s of subgraphsOf(node)) {
      try {
        topoSort(s.graph, visible);
      } catch (e) {
        if (e instanceof AivmError) throw new AivmError(e.code, `${describeNode(node, i)} attribute '${s.attr}': ${e.message}`);
        throw e;
      }
    }
  });

  // pending[i] = inputs of node i still waiting for their producing node.
  const pending = new Array<number>(nodes.length).fill(0);
  const consumers: number[][] = nodes.map(() => []);
  nodes.forEach((node, i) => {
    const explicit = new Set(node.inputs);
    for (const inp of nodeReads(node)) {
      if (inp === '') continue;
      const p = producer.get(inp);
      if (p === undefined) {
        if (outer.has(inp)) continue; // an enclosing graph's value, there before this graph runs
        const what = explicit.has(inp) ? `input '${inp}'` : `a subgraph reads '${inp}', which`;
        throw invalid(`${describeNode(node, i)}: ${what} is not a graph input, an initializer or the output of any node`);
      }
      if (p >= 0) {
        pending[i]++;
        consumers[p].push(i);
      }
    }
  });
  for (const v of graph.outputs) {
    if (!producer.has(v.name) && !outer.has(v.name)) throw invalid(`graph output '${v.name}' is never produced`);
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
    for (const inp of nodeReads(nodes[i])) {
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
