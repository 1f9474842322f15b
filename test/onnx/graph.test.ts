// topoSort on graphs built directly as OnnxGraph objects.
import { describe, expect, it } from 'vitest';
import { AivmError } from '../../lib/errors';
import { topoSort, type OnnxGraph, type OnnxNode } from '../../lib/onnx';
import { nodeReads, outerNames } from '../../lib/onnx/graph';

const node = (name: string, inputs: string[], outputs: string[], opType = 'Op'): OnnxNode => ({
  name, opType, domain: '', inputs, outputs, attributes: new Map(),
});
const tensor = (name: string) => ({ name, onnxType: 1, dtype: 'float32', dims: [1], data: new Uint8Array(4) });
function graph(nodes: OnnxNode[], inputs = ['x'], outputs: string[] = [], inits: string[] = []): OnnxGraph {
  return {
    name: 'g', nodes, initializers: inits.map(tensor),
    inputs: inputs.map((name) => ({ name })), outputs: outputs.map((name) => ({ name })), valueInfo: [],
  };
}
const names = (g: OnnxGraph) => topoSort(g).map((n) => n.name);

function invalid(g: OnnxGraph, re: RegExp): void {
  let err: unknown;
  try {
    topoSort(g);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(AivmError);
  expect((err as AivmError).code).toBe('E_ONNX_INVALID');
  expect((err as AivmError).message).toMatch(re);
}

describe('topoSort: order', () => {
  it('keeps a valid file order unchanged', () => {
    const g = graph([node('a', ['x'], ['h']), node('b', ['x'], ['k']), node('c', ['h', 'k'], ['y'])], ['x'], ['y']);
    expect(names(g)).toEqual(['a', 'b', 'c']);
  });

  it('reorders only what it must, taking the earliest ready node in file order', () => {
    // file order: d(uses c), c(uses a), b(uses x), a(uses x). Ready at start: b (#2), a (#3)
    // -> b; then a; then c (ready after a); then d.
    const g = graph([node('d', ['c'], ['y']), node('c', ['a'], ['c']), node('b', ['x'], ['b']), node('a', ['x'], ['a'])], ['x'], ['y']);
    expect(names(g)).toEqual(['b', 'a', 'c', 'd']);
    // a diamond written backwards
    const diamond = graph([
      node('join', ['l', 'r'], ['y']), node('right', ['s'], ['r']), node('left', ['s'], ['l']), node('split', ['x'], ['s']),
    ], ['x'], ['y']);
    expect(names(diamond)).toEqual(['split', 'right', 'left', 'join']);
  });

  it('initializers, constants-producing nodes, omitted inputs and outputs', () => {
    const g = graph([
      node('use', ['x', '', 'w', 'k'], ['y', '']),
      node('const', [], ['k'], 'Constant'),
      node('other', ['x'], ['', 'z']),
    ], ['x'], ['y', 'z', 'w', 'x'], ['w']);
    expect(names(g)).toEqual(['const', 'use', 'other']);
  });

  it('an initializer may share a graph input\'s name (IR < 4)', () => {
    expect(names(graph([node('a', ['w'], ['y'])], ['x', 'w'], ['y'], ['w']))).toEqual(['a']);
  });

  it('is linear enough for 100k nodes written in reverse', () => {
    const n = 100_000;
    const nodes = Array.from({ length: n }, (_, i) => node(`n${n - 1 - i}`, [i === n - 1 ? 'x' : `v${n - 2 - i}`], [`v${n - 1 - i}`]));
    const t0 = Date.now();
    const order = names(graph(nodes, ['x'], [`v${n - 1}`]));
    expect(order[0]).toBe('n0');
    expect(order[n - 1]).toBe(`n${n - 1}`);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('topoSort: refusals', () => {
  it('a cycle names a node on it, not one merely downstream', () => {
    const g = graph([node('down', ['b'], ['y']), node('a', ['x', 'b'], ['a']), node('b', ['a'], ['b'])], ['x'], ['y']);
    invalid(g, /cycle through node #[12] '(a|b)' \(Op\): .*'a'.*'b'|cycle through node #[12] '(a|b)' \(Op\): .*'b'.*'a'/);
    invalid(graph([node('self', ['s'], ['s'])], ['x']), /cycle through node #0 'self' \(Op\)/);
  });

  it('a dangling input names the node and the input', () => {
    invalid(graph([node('n', ['x', 'nowhere'], ['y'], 'Add')], ['x'], ['y']), /node #0 'n' \(Add\): input 'nowhere' is not a graph input, an initializer or the output of any node/);
  });

  it('values defined twice', () => {
    invalid(graph([node('a', ['x'], ['y']), node('b', ['x'], ['y'])]), /value 'y' is defined twice: by node #0 'a' \(Op\) and by node #1 'b' \(Op\)/);
    invalid(graph([node('a', ['x'], ['x'])]), /value 'x' is defined twice: by a graph input and by node #0 'a'/);
    invalid(graph([node('a', ['x'], ['w'])], ['x'], [], ['w']), /value 'w' is defined twice: by an initializer and by node #0/);
    invalid(graph([node('a', ['x'], ['y', 'y'])]), /value 'y' is defined twice/);
    invalid(graph([], ['x', 'x']), /value 'x' is defined twice: two graph inputs/);
    invalid(graph([], ['x'], [], ['w', 'w']), /value 'w' is defined twice: two initializers/);
  });

  it('a graph output nothing produces', () => {
    invalid(graph([node('a', ['x'], ['y'])], ['x'], ['y', 'missing']), /graph output 'missing' is never produced/);
  });
});

describe('topoSort: subgraphs (If branches, Loop and Scan bodies)', () => {
  const withBranches = (n: OnnxNode, branches: Record<string, OnnxGraph>): OnnxNode => {
    for (const [k, g] of Object.entries(branches)) n.attributes.set(k, { kind: 'graph', value: g });
    return n;
  };

  it('orders the producer of a value a subgraph reads before the node holding the subgraph', () => {
    // 'iff' reads h only inside its branches; h's producer comes later in the file.
    const thenG = graph([node('t', ['h'], ['ty'])], [], ['ty']);
    const elseG = graph([node('e', ['x'], ['ey'])], [], ['ey']);
    const g = graph([withBranches(node('iff', ['c'], ['y'], 'If'), { then_branch: thenG, else_branch: elseG }),
      node('mkh', ['x'], ['h']), node('mkc', ['x'], ['c'])], ['x'], ['y']);
    expect(names(g)).toEqual(['mkh', 'mkc', 'iff']);
    expect(outerNames(thenG)).toEqual(['h']);
    expect(nodeReads(g.nodes[0])).toEqual(['c', 'h', 'x']);
  });

  it('sees values two scopes up, and a subgraph output may be an outer value', () => {
    const inner = graph([node('i', ['x', 'a'], ['iy'])], [], ['iy']);
    const mid = graph([withBranches(node('if2', ['a'], ['my'], 'If'), { then_branch: inner, else_branch: graph([], [], ['x']) })], [], ['my']);
    const g = graph([node('mka', ['x'], ['a']), withBranches(node('if1', ['a'], ['y'], 'If'), { then_branch: mid, else_branch: graph([], [], ['a']) })], ['x'], ['y']);
    expect(names(g)).toEqual(['mka', 'if1']);
    expect(outerNames(mid)).toEqual(['a', 'x']);
  });

  it('refuses a subgraph reading a name no scope defines, naming the node and attribute', () => {
    const thenG = graph([node('t', ['nowhere'], ['ty'])], [], ['ty']);
    invalid(graph([withBranches(node('iff', ['x'], ['y'], 'If'), { then_branch: thenG, else_branch: graph([], [], ['x']) })], ['x'], ['y']),
      /node #0 'iff' \(If\) attribute 'then_branch': node #0 't' \(Op\): input 'nowhere' is not a graph input/);
    invalid(graph([withBranches(node('iff', ['x'], ['y'], 'If'), { then_branch: graph([], [], ['ghost']), else_branch: graph([], [], ['x']) })], ['x'], ['y']),
      /attribute 'then_branch': graph output 'ghost' is never produced/);
  });

  it('finds a cycle through an implicit input', () => {
    const body = graph([node('t', ['late'], ['ty'])], [], ['ty']);
    invalid(graph([withBranches(node('iff', ['x'], ['y'], 'If'), { then_branch: body, else_branch: graph([], [], ['x']) }), node('mk', ['y'], ['late'])], ['x'], ['y']),
      /cycle through/);
  });
});
