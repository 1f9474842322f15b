// A node's identity: a secp256k1 key kept only in an encrypted keystore file
// (the Web3 Secret Storage format ethers and geth use: scrypt + AES-128-CTR).
import * as fs from 'fs';
import { encryptKeystoreJson, getAddress, Wallet, type HDNodeWallet } from 'ethers';
import { AivmError } from '../errors';

/** scrypt cost of new keystores: ethers' (and geth's) default, 2^17. */
export const DEFAULT_SCRYPT_N = 1 << 17;

export interface NewKeystoreOptions {
  /** scrypt N (a power of two, 2^10..2^20); lower is faster to open and weaker. */
  scryptN?: number;
}

/** Creates a fresh random key encrypted under `password` at `file` (never overwrites). Returns its address. */
export async function createKeystore(file: string, password: string, options: NewKeystoreOptions = {}): Promise<string> {
  checkPassword(password);
  const n = options.scryptN ?? DEFAULT_SCRYPT_N;
  if (!Number.isInteger(Math.log2(n)) || n < 1 << 10 || n > 1 << 20) {
    throw new AivmError('E_ARG', `scrypt N must be a power of two in [2^10, 2^20], got ${n}`);
  }
  const wallet: HDNodeWallet = Wallet.createRandom();
  const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, password, { scrypt: { N: n } });
  try {
    // 'wx': refuse to replace an existing key (losing it loses the node's identity); 0600: owner only.
    fs.writeFileSync(file, json + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new AivmError('E_KEYSTORE', e.code === 'EEXIST' ? `${file} already exists; refusing to overwrite a key` : `cannot write ${file}: ${e.message}`);
  }
  return wallet.address;
}

/** Opens a keystore; a wrong password, a corrupt or a missing file is E_KEYSTORE. */
export async function openKeystore(file: string, password: string): Promise<Wallet> {
  const json = readKeystoreFile(file);
  try {
    const w = await Wallet.fromEncryptedJson(json, password);
    return w instanceof Wallet ? w : new Wallet(w.privateKey);
  } catch (err) {
    const msg = (err as Error).message;
    const wrong = /password/i.test(msg);
    throw new AivmError('E_KEYSTORE', wrong ? `wrong password for keystore ${file}` : `${file} is not a valid keystore: ${msg.split(' (')[0]}`);
  }
}

/** The address a keystore holds, without decrypting it. */
export function keystoreAddress(file: string): string {
  const json = readKeystoreFile(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new AivmError('E_KEYSTORE', `${file} is not a valid keystore: ${(err as Error).message}`);
  }
  const address = typeof parsed === 'object' && parsed !== null ? (parsed as { address?: unknown }).address : undefined;
  // Stored without 0x and in lowercase; the checksum is recomputed, so a mixed-case typo cannot fail here.
  if (typeof address === 'string' && /^(0x)?[0-9a-fA-F]{40}$/.test(address)) {
    return getAddress('0x' + address.replace(/^0x/, '').toLowerCase());
  }
  throw new AivmError('E_KEYSTORE', `${file} has no address field: not a keystore`);
}

/** A keystore is about 500 bytes: the size is checked before reading, so a wrong path to a huge file fails at once. */
const MAX_KEYSTORE_BYTES = 64 * 1024;

function readKeystoreFile(file: string): string {
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_KEYSTORE_BYTES) throw new AivmError('E_KEYSTORE', `${file} is ${size} bytes: not a keystore`);
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof AivmError) throw err;
    throw new AivmError('E_KEYSTORE', `cannot read keystore ${file}: ${(err as Error).message}`);
  }
}

/**
 * The keystore password for CLI commands: the file named by --password-file,
 * else the AIVM_PASSWORD environment variable. Never a command-line argument
 * (it would show in `ps`).
 */
export function readPassword(passwordFile: string | undefined): string {
  let pw: string | undefined;
  if (passwordFile !== undefined) {
    try {
      pw = fs.readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new AivmError('E_KEYSTORE', `cannot read password file ${passwordFile}: ${(err as Error).message}`);
    }
  } else {
    pw = process.env.AIVM_PASSWORD;
  }
  if (pw === undefined) throw new AivmError('E_KEYSTORE', 'no keystore password: give --password-file FILE or set AIVM_PASSWORD');
  checkPassword(pw);
  return pw;
}

function checkPassword(pw: string): void {
  if (typeof pw !== 'string' || pw.length === 0) throw new AivmError('E_KEYSTORE', 'the keystore password must not be empty');
}
