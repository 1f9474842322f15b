// RFC 8785 JSON Canonicalization Scheme (JCS): the one byte string a JSON
// value hashes as. The kernel id is keccak256 over it, so every implementation
// that reads the same aivm.json must produce these exact characters.
//
// JCS is defined in terms of ECMAScript's own serializers, which is why this
// file is short: strings and numbers are exactly JSON.stringify's output
// (ES2019+ escapes lone surrogates, but we refuse those, see below), and only
// the object key order and the absence of whitespace are ours to do.
import { AivmError } from '../errors';
import { hasLoneSurrogate } from './json';

/**
 * The RFC 8785 canonical form of a JSON value. Refuses what has no JSON form
 * (undefined, functions, symbols, bigints, NaN and infinities, non-plain
 * objects such as Date or typed arrays, cycles) and strings with unpaired
 * surrogates (not Unicode text, forbidden by I-JSON), with E_ARG naming the place.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, '$', new Set(), out);
  return out.join('');
}

function write(v: unknown, where: string, stack: Set<object>, out: string[]): void {
  if (v === null) {
    out.push('null');
    return;
  }
  switch (typeof v) {
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'number':
      // JSON.stringify(number) is ECMAScript Number::toString, which RFC 8785
      // section 3.2.2.3 adopts as is (and it writes -0 as "0", as JCS wants).
      if (!Number.isFinite(v)) throw refuse(where, `${v} has no JSON representation`);
      out.push(JSON.stringify(v));
      return;
    case 'string':
      out.push(str(v, where));
      return;
    case 'object':
      break;
    default:
      throw refuse(where, `a ${typeof v} has no JSON representation`);
  }
  const obj = v as object;
  if (stack.has(obj)) throw refuse(where, 'the value contains a cycle');
  stack.add(obj);
  if (Array.isArray(obj)) {
    out.push('[');
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out.push(',');
      if (!(i in obj)) throw refuse(`${where}[${i}]`, 'arrays must not have holes');
      write(obj[i], `${where}[${i}]`, stack, out);
    }
    out.push(']');
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      throw refuse(where, `a ${obj.constructor?.name ?? 'non-plain object'} is not a plain JSON object`);
    }
    // Array.prototype.sort without a comparator compares UTF-16 code units,
    // which is the order RFC 8785 section 3.2.3 prescribes (not code points,
    // not UTF-8 bytes: they differ for characters above U+FFFF).
    const keys = Object.keys(obj).sort();
    out.push('{');
    keys.forEach((k, i) => {
      const child = (obj as Record<string, unknown>)[k];
      if (i > 0) out.push(',');
      out.push(str(k, where), ':');
      write(child, `${where}.${k}`, stack, out);
    });
    out.push('}');
  }
  stack.delete(obj);
}

function str(s: string, where: string): string {
  if (hasLoneSurrogate(s)) throw refuse(where, 'string contains an unpaired surrogate, which is not Unicode text');
  return JSON.stringify(s);
}

function refuse(where: string, why: string): AivmError {
  return new AivmError('E_ARG', `canonicalJson: ${where}: ${why}`);
}
