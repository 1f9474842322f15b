// AIVM kernel aggregation script (plain JS: no imports, no host access).
// aggregate(results, policy)
//   results: [{ node: string, outputHash: string }]   one answer per node
//   policy:  the manifest's "aggregation" object, e.g. { script, policy: "majority" | "quorum", quorum: 0.5 }
// returns { outputHash, agree, total }
//   outputHash: the hash most nodes reported (ties broken by the smaller hash string) when it passes the
//               policy, otherwise null; agree: how many nodes reported it; total: how many distinct nodes answered.
// A node counts once (its first answer); answers that are not "0x" + 64 hex digits count in total but agree
// with nothing. Hashes are compared case-insensitively.
// "majority": agree * 2 > total.   "quorum": agree > quorum * total (quorum in [0, 1), default 0.5).
function aggregate(results, policy) {
  var list = Array.isArray(results) ? results : [];
  var kind = policy && typeof policy.policy === 'string' ? policy.policy : 'majority';
  var q = policy && typeof policy.quorum === 'number' && policy.quorum >= 0 && policy.quorum < 1 ? policy.quorum : 0.5;
  var seen = Object.create(null);
  var counts = Object.create(null);
  var total = 0;
  for (var i = 0; i < list.length; i++) {
    var r = list[i];
    if (!r || typeof r.node !== 'string') continue;
    if (seen[r.node] === true) continue;
    seen[r.node] = true;
    total++;
    var h = typeof r.outputHash === 'string' ? r.outputHash.toLowerCase() : '';
    if (!/^0x[0-9a-f]{64}$/.test(h)) continue;
    counts[h] = (counts[h] || 0) + 1;
  }
  var best = null;
  var agree = 0;
  var keys = Object.keys(counts).sort();
  for (var j = 0; j < keys.length; j++) {
    if (counts[keys[j]] > agree) { best = keys[j]; agree = counts[keys[j]]; }
  }
  var ok;
  if (kind === 'quorum') ok = agree > q * total;
  else ok = agree * 2 > total;
  return { outputHash: ok ? best : null, agree: agree, total: total };
}
