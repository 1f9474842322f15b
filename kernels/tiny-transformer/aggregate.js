// AIVM kernel aggregation script. It runs in the node's QuickJS sandbox (lib/network/sandbox.ts):
// plain JS, no imports, no host access, no Date or Math.random, with time, memory and stack limits.
//
// aggregate(results, policy)
//   results: [{ node: string, outputHash: string, outputs?: { name: number[] } }]   the nodes' answers
//   policy:  the manifest's "aggregation" object, e.g. { script, policy: "majority" | "quorum", quorum: 0.5 },
//            plus k: the on-chain request's quorum count, when the node passes one
// returns { outputHash, agree, total, dissenters }
//   outputHash: the hash most nodes reported (ties broken by the smaller hash string) when it passes the
//               policy, otherwise null; agree: how many nodes reported it; total: how many distinct nodes
//               answered; dissenters: the nodes whose answer is not outputHash (every node when it is null),
//               sorted.
// A node counts once (its first answer); answers that are not "0x" + 64 hex digits count in total but agree
// with nothing. Hashes are compared case-insensitively.
//   policy.k a number:      at least k nodes agree (k a positive integer).
//   policy.policy "quorum": agree > quorum * total (quorum in [0, 1), default 0.5), i.e. at least
//                           floor(quorum * total) + 1 nodes agree.
//   otherwise ("majority"): agree * 2 > total.
//
// Built-ins the sandbox provides (the frozen global `aivm`, defined before this script runs):
//   aivm.majority(results)    { outputHash, agree, total, dissenters } by the rules above, "majority"
//   aivm.quorum(results, k)   the same, with "at least k nodes agree" (k a positive integer, else TypeError)
//   aivm.median(results)      elementwise lower median of every node's `outputs` (same names and lengths at
//                             every node, finite numbers): { outputHash: null, agree: n, total: n,
//                             dissenters: [], outputs }
function aggregate(results, policy) {
  var p = policy !== null && typeof policy === 'object' ? policy : {};
  if (typeof p.k === 'number') return aivm.quorum(results, p.k);
  if (p.policy === 'quorum') {
    var q = typeof p.quorum === 'number' && p.quorum >= 0 && p.quorum < 1 ? p.quorum : 0.5;
    return aivm.quorum(results, Math.floor(q * countNodes(results)) + 1);
  }
  return aivm.majority(results);
}

// Distinct nodes that answered, counted the way the built-ins count them.
function countNodes(results) {
  var list = Array.isArray(results) ? results : [];
  var seen = Object.create(null);
  var n = 0;
  for (var i = 0; i < list.length; i++) {
    var r = list[i];
    if (r === null || typeof r !== 'object' || typeof r.node !== 'string' || seen[r.node] === true) continue;
    seen[r.node] = true;
    n++;
  }
  return n;
}
