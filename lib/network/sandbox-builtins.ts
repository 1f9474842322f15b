// The prelude every aggregation sandbox evaluates before the kernel's script
// (lib/network/sandbox.ts): the `aivm` built-ins, and nondeterminism removed.

/**
 * The prelude evaluated in every sandbox before the kernel's script: removes
 * what would make two nodes disagree (the clock, Math.random, weak references)
 * or reach outside, and defines the frozen `aivm` built-ins.
 */
export const BUILTINS_SOURCE = String.raw`
(function (global) {
  'use strict';
  var hasOwn = Object.prototype.hasOwnProperty;
  // Nothing here may depend on the machine, the time or the garbage collector.
  // QuickJS's bare context has none of the host names; they are listed anyway
  // so that a build that adds one does not quietly open it to scripts.
  var removed = ['Date', 'WeakRef', 'FinalizationRegistry', 'setTimeout', 'setInterval', 'clearTimeout',
    'clearInterval', 'setImmediate', 'queueMicrotask', 'require', 'process', 'std', 'os', 'fetch',
    'console', 'print', 'scriptArgs', 'performance'];
  for (var i = 0; i < removed.length; i++) {
    if (hasOwn.call(global, removed[i]) && !delete global[removed[i]]) {
      throw new Error('aivm prelude: cannot remove ' + removed[i]);
    }
  }
  var noRandom = function random() {
    throw new TypeError('Math.random is not available in an aggregation script');
  };
  Object.defineProperty(global.Math, 'random', { value: noRandom, writable: false, enumerable: false, configurable: false });

  function isHash(h) {
    if (typeof h !== 'string' || h.length !== 66 || h.charCodeAt(0) !== 48 || h.charCodeAt(1) !== 120) return false;
    for (var i = 2; i < 66; i++) {
      var c = h.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
    }
    return true;
  }

  // A node counts once, with its first answer; answers that are not "0x" + 64
  // hex digits (compared lowercase) count in total but agree with nothing.
  // The most reported hash wins, ties going to the smaller hash string.
  function tally(results, who) {
    if (!Array.isArray(results)) throw new TypeError(who + ': results must be an array');
    var seen = Object.create(null);
    var counts = Object.create(null);
    var firsts = [];
    for (var i = 0; i < results.length; i++) {
      var r = results[i];
      if (r === null || typeof r !== 'object' || typeof r.node !== 'string') continue;
      if (seen[r.node] === true) continue;
      seen[r.node] = true;
      var h = typeof r.outputHash === 'string' ? r.outputHash.toLowerCase() : '';
      if (isHash(h)) counts[h] = (counts[h] || 0) + 1;
      else h = null;
      firsts.push({ node: r.node, hash: h });
    }
    var keys = Object.keys(counts).sort();
    var best = null;
    var agree = 0;
    for (var j = 0; j < keys.length; j++) {
      if (counts[keys[j]] > agree) { best = keys[j]; agree = counts[keys[j]]; }
    }
    return { firsts: firsts, best: best, agree: agree };
  }

  function verdict(t, ok) {
    var hash = ok ? t.best : null;
    var dissenters = [];
    for (var i = 0; i < t.firsts.length; i++) {
      if (hash === null || t.firsts[i].hash !== hash) dissenters.push(t.firsts[i].node);
    }
    dissenters.sort();
    return { outputHash: hash, agree: t.agree, total: t.firsts.length, dissenters: dissenters };
  }

  // More than half of the nodes that answered agree.
  function majority(results) {
    var t = tally(results, 'aivm.majority');
    return verdict(t, t.agree * 2 > t.firsts.length);
  }

  // At least k nodes agree (k a positive integer).
  function quorum(results, k) {
    if (typeof k !== 'number' || !(k >= 1) || k === Infinity || Math.floor(k) !== k) {
      throw new TypeError('aivm.quorum: k must be a positive integer, got ' + (typeof k === 'number' ? String(k) : typeof k));
    }
    var t = tally(results, 'aivm.quorum');
    return verdict(t, t.agree >= k);
  }

  // -0 sorts before +0, so the order never depends on the input order.
  function compareNumbers(a, b) {
    if (a < b) return -1;
    if (a > b) return 1;
    if (a === 0 && b === 0) {
      var na = 1 / a < 0;
      var nb = 1 / b < 0;
      return na === nb ? 0 : na ? -1 : 1;
    }
    return 0;
  }

  function isFiniteNumber(v) {
    return typeof v === 'number' && v === v && v !== Infinity && v !== -Infinity;
  }

  // Elementwise lower median (index floor((n - 1) / 2) of the sorted values) of
  // every node's numeric outputs; no averaging, so no rounding.
  function median(results) {
    if (!Array.isArray(results)) throw new TypeError('aivm.median: results must be an array');
    var seen = Object.create(null);
    var outs = [];
    for (var i = 0; i < results.length; i++) {
      var r = results[i];
      if (r === null || typeof r !== 'object' || typeof r.node !== 'string') continue;
      if (seen[r.node] === true) continue;
      seen[r.node] = true;
      var o = r.outputs;
      if (o === null || typeof o !== 'object' || Array.isArray(o)) {
        throw new TypeError('aivm.median: the result of node ' + r.node + ' has no outputs');
      }
      outs.push({ node: r.node, outputs: o });
    }
    var n = outs.length;
    if (n === 0) throw new TypeError('aivm.median: no results');
    var names = Object.keys(outs[0].outputs).sort();
    var lengths = [];
    for (var a = 0; a < n; a++) {
      var keys = Object.keys(outs[a].outputs).sort();
      var same = keys.length === names.length;
      for (var b = 0; same && b < keys.length; b++) same = keys[b] === names[b];
      if (!same) {
        throw new TypeError('aivm.median: node ' + outs[a].node + ' has outputs [' + keys.join(', ') +
          '] but node ' + outs[0].node + ' has [' + names.join(', ') + ']');
      }
      for (var c = 0; c < names.length; c++) {
        var arr = outs[a].outputs[names[c]];
        if (!Array.isArray(arr)) throw new TypeError('aivm.median: output ' + names[c] + ' of node ' + outs[a].node + ' is not an array');
        if (a === 0) lengths.push(arr.length);
        else if (arr.length !== lengths[c]) {
          throw new TypeError('aivm.median: output ' + names[c] + ' has ' + arr.length + ' values at node ' + outs[a].node +
            ' but ' + lengths[c] + ' at node ' + outs[0].node);
        }
      }
    }
    var result = {};
    var mid = (n - 1) >> 1;
    for (var d = 0; d < names.length; d++) {
      var column = new Array(lengths[d]);
      for (var e = 0; e < lengths[d]; e++) {
        var values = new Array(n);
        for (var f = 0; f < n; f++) {
          var v = outs[f].outputs[names[d]][e];
          if (!isFiniteNumber(v)) {
            throw new TypeError('aivm.median: ' + names[d] + '[' + e + '] of node ' + outs[f].node + ' is not a finite number');
          }
          values[f] = v;
        }
        values.sort(compareNumbers);
        column[e] = values[mid];
      }
      Object.defineProperty(result, names[d], { value: column, writable: true, enumerable: true, configurable: true });
    }
    return { outputHash: null, agree: n, total: n, dissenters: [], outputs: result };
  }

  var aivm = { majority: majority, quorum: quorum, median: median };
  Object.freeze(majority);
  Object.freeze(quorum);
  Object.freeze(median);
  Object.freeze(aivm);
  Object.defineProperty(global, 'aivm', { value: aivm, writable: false, enumerable: false, configurable: false });
})(globalThis);
`;
