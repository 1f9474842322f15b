// `aivm keys new | address` and `aivm selftest --sign | --verify`: a node's identity
// and its signed engine fingerprint (docs/NETWORK.md). Passwords come from
// --password-file or AIVM_PASSWORD, never from an argument (it would show in `ps`).
import * as fs from 'fs';
import { engineInfo, selftest } from '../engine';
import { REFERENCE_SELFTEST, signFingerprint, verifyFingerprintFile } from '../network/fingerprint';
import { createKeystore, keystoreAddress, openKeystore, readPassword } from '../network/keystore';
import { allowOnly, intFlag, stringFlag, UsageError, type Parsed } from './args';

/** `aivm keys <new|address> ...` */
export async function keysCommand(p: Parsed): Promise<number> {
  const [sub, ...rest] = p.positionals;
  const q: Parsed = { ...p, command: `keys ${sub ?? ''}`.trim(), positionals: rest };
  switch (sub) {
    case 'new': return keysNew(q);
    case 'address': return keysAddress(q);
    case undefined: throw new UsageError("'keys' needs a subcommand: new or address");
    default: throw new UsageError(`unknown subcommand 'keys ${sub}' (new or address)`);
  }
}

async function keysNew(p: Parsed): Promise<number> {
  allowOnly(p, ['out', 'password-file', 'scrypt-n'], [0, 0]);
  const out = stringFlag(p, 'out');
  if (out === undefined) throw new UsageError('keys new needs --out FILE');
  const scryptN = intFlag(p, 'scrypt-n', 1 << 10, 1 << 20);
  // Read the password before the slow key derivation, so a missing one fails at once.
  const password = readPassword(stringFlag(p, 'password-file'));
  const address = await createKeystore(out, password, { scryptN });
  console.log(address);
  console.error(`aivm: the key of node ${address} is in ${out}, encrypted under your password.`);
  console.error('aivm: keep a copy of the file and the password: losing either loses the key (and the node\'s identity).');
  return 0;
}

async function keysAddress(p: Parsed): Promise<number> {
  allowOnly(p, [], [1, 1]);
  console.log(keystoreAddress(p.positionals[0]));
  return 0;
}

/** `aivm selftest --sign ...` or `aivm selftest --verify FILE` (the dispatcher sends either here). */
export async function fingerprintCommand(p: Parsed): Promise<number> {
  if (p.flags.has('sign') && p.flags.has('verify')) throw new UsageError('selftest takes --sign or --verify, not both');
  return p.flags.has('sign') ? signCommand(p) : verifyCommand(p);
}

async function signCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['sign', 'keystore', 'password-file', 'isa', 'threads', 'out'], [0, 0]);
  const keystore = stringFlag(p, 'keystore') ?? process.env.AIVM_KEYSTORE;
  if (!keystore) throw new UsageError('selftest --sign needs --keystore FILE (or AIVM_KEYSTORE)');
  const wallet = await openKeystore(keystore, readPassword(stringFlag(p, 'password-file')));
  const result = await selftest({ isa: stringFlag(p, 'isa'), threads: intFlag(p, 'threads', 1, 256, 'E_THREADS') });
  const signed = await signFingerprint(wallet, result, engineInfo().version);
  const json = JSON.stringify(signed, null, 2) + '\n';
  const out = stringFlag(p, 'out');
  if (out === undefined) {
    process.stdout.write(json);
  } else {
    fs.writeFileSync(out, json);
    console.error(`aivm: signed fingerprint of node ${wallet.address} (isa ${result.isa}, total ${result.total}) written to ${out}`);
  }
  // Signing a total that is not the reference is allowed (the network decides), but say so now.
  if (result.total !== REFERENCE_SELFTEST.total) {
    console.error(`aivm: warning: this engine's self-test total ${result.total} is not the reference ${REFERENCE_SELFTEST.total}; a network will refuse this node`);
  }
  return 0;
}

async function verifyCommand(p: Parsed): Promise<number> {
  allowOnly(p, ['verify', 'json'], [0, 0]);
  // Only the reference total: the per-op reference hashes are not shipped in the package.
  const fp = verifyFingerprintFile(stringFlag(p, 'verify')!, REFERENCE_SELFTEST);
  if (p.flags.get('json') === true) console.log(JSON.stringify({ admitted: true, ...fp }, null, 2));
  else console.log(`admitted: node ${fp.node} isa ${fp.isa} engine ${fp.engineVersion} (${fp.numerics}, self-test total ${fp.selftestTotal})`);
  return 0;
}
