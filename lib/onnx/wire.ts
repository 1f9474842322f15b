// A strict, schema-driven protobuf decoder on top of protobufjs's Reader.
//
// ONNX files come from outside, so every step is checked: each field's wire type against
// the schema, every length against the end of the enclosing message, every varint against
// 10 bytes / 64 bits, and the nesting depth. Problems become AivmError('E_ONNX_CORRUPT')
// naming the message, the field and the byte offset; nothing else escapes. Fields the
// schema does not know are skipped by wire type (groups, which ONNX never uses, are refused).
//
// The Reader supplies tags, length prefixes, floats and bounds-checked skips; varints are
// read here because the Reader's 64-bit reads yield Long objects or lossy numbers, and we
// need exact bigints and a hard error on over-long encodings.

import { Reader } from 'protobufjs/minimal';
import { AivmError } from '../errors';

/** How a field's value is read and stored. */
export type FieldKind =
  | 'int32' // varint, must fit a signed 32-bit integer -> number
  | 'int64' // varint -> bigint (two's complement, signed)
  | 'uint64' // varint -> bigint (unsigned)
  | 'float' // fixed32 -> number
  | 'double' // fixed64 -> number
  | 'string' // length-delimited UTF-8 (checked) -> string
  | 'bytes' // length-delimited -> Uint8Array (a view into the input)
  | 'message' // length-delimited sub-message -> decoded object
  | 'opaque' // length-delimited, recognised but not decoded -> occurrence count
  | 'float-bytes' // fixed32 values kept as raw little-endian bytes -> Uint8Array[] chunks
  | 'double-bytes'; // fixed64 values kept as raw little-endian bytes -> Uint8Array[] chunks

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  repeated?: boolean;
  /** For kind 'message': the schema entry of the sub-message. */
  message?: string;
  /** Members of one protobuf oneof share this label: setting one clears the others. */
  oneof?: string;
  /** A field we recognise but refuse: its presence is E_ONNX_INVALID with this reason. */
  refuse?: string;
}

export type MessageSpec = Record<number, FieldSpec>;
export type Schema = Record<string, MessageSpec>;
/** A decoded message: field name -> value (arrays for repeated fields); absent fields are missing. */
export type Decoded = { [field: string]: unknown };

/** Messages nested deeper than this are refused (ONNX models nest about 8 deep). */
export const MAX_DEPTH = 32;

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', 'invalid', 'invalid'];

function wireTypeOf(kind: FieldKind): number {
  switch (kind) {
    case 'int32':
    case 'int64':
    case 'uint64':
      return 0;
    case 'double':
    case 'double-bytes':
      return 1;
    case 'float':
    case 'float-bytes':
      return 5;
    default:
      return 2;
  }
}

function isPackable(kind: FieldKind): boolean {
  return wireTypeOf(kind) !== 2;
}

function corrupt(message: string): AivmError {
  return new AivmError('E_ONNX_CORRUPT', message);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes `bytes` as message `root` of `schema`. Throws only AivmError. */
export function decodeMessageBytes(schema: Schema, root: string, bytes: Uint8Array): Decoded {
  if (!(bytes instanceof Uint8Array)) {
    throw corrupt(`${root}: expected a Uint8Array of protobuf bytes`);
  }
  // A plain Uint8Array view (not a Buffer) keeps protobufjs on its one generic code path.
  const reader = new Reader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  try {
    return decodeInto(schema, root, reader, reader.len, 0, {});
  } catch (e) {
    if (e instanceof AivmError) throw e;
    // Defence in depth: every read is checked before the Reader sees it, so this is not expected.
    throw corrupt(`${root}: ${e instanceof Error ? e.message : String(e)} at byte ${reader.pos}`);
  }
}

function decodeInto(schema: Schema, name: string, r: Reader, end: number, depth: number, target: Decoded): Decoded {
  if (depth > MAX_DEPTH) {
    throw corrupt(`${name}: messages nested deeper than ${MAX_DEPTH} levels at byte ${r.pos}`);
  }
  const spec = schema[name];
  const outerLen = r.len;
  r.len = end; // every Reader bounds check now stops at the end of this message
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, name);
    const num = tag >>> 3;
    const wt = tag & 7;
    const f = spec[num];
    if (f === undefined) {
      skipUnknown(r, name, num, wt, at);
      continue;
    }
    const label = `${name}.${f.name} (field ${num})`;
    if (f.refuse !== undefined) {
      throw new AivmError('E_ONNX_INVALID', `${label} at byte ${at}: ${f.refuse}`);
    }
    try {
      readField(schema, spec, f, label, r, wt, at, depth, target);
    } catch (e) {
      if (e instanceof AivmError) throw e;
      throw corrupt(`${label}: ${e instanceof Error ? e.message : String(e)} at byte ${at}`);
    }
  }
  r.len = outerLen;
  return target;
}

function readTag(r: Reader, name: string): number {
  const at = r.pos;
  let tag: number;
  try {
    tag = r.tag();
  } catch {
    throw corrupt(`${name}: truncated or over-long field tag at byte ${at}`);
  }
  if (tag >>> 3 === 0) throw corrupt(`${name}: field number 0 at byte ${at}`);
  return tag;
}

function skipUnknown(r: Reader, name: string, num: number, wt: number, at: number): void {
  const label = `${name} unknown field ${num}`;
  switch (wt) {
    case 0:
      readVarint(r, label);
      return;
    case 1:
      need(r, 8, label);
      r.skip(8);
      return;
    case 2: {
      const len = readLength(r, label);
      r.skip(len);
      return;
    }
    case 5:
      need(r, 4, label);
      r.skip(4);
      return;
    default:
      throw corrupt(`${label}: wire type ${wt} (${WIRE_NAMES[wt]}) is not accepted at byte ${at}`);
  }
}

function need(r: Reader, n: number, label: string): void {
  if (r.len - r.pos < n) {
    throw corrupt(`${label}: needs ${n} bytes at byte ${r.pos} but the enclosing message ends at byte ${r.len}`);
  }
}

/** Reads a length prefix and checks that the bytes it announces are inside the current message. */
function readLength(r: Reader, label: string): number {
  const at = r.pos;
  const v = readVarint(r, label);
  // Lengths of 2^28 and more come back as bigints (a weight of 256 MiB or more): any
  // that fits the bytes left is below 2^31, so Number() is exact for every one kept.
  const avail = r.len - r.pos;
  if (v > avail) {
    throw corrupt(`${label}: length ${v} at byte ${at} runs past the end of the enclosing message (byte ${r.len})`);
  }
  return Number(v);
}

/**
 * Reads one varint bounded by r.len. Returns a number when the value is below 2^28
 * (the common case, exact), otherwise an exact unsigned 64-bit bigint.
 */
export function readVarint(r: Reader, label: string): number | bigint {
  const buf = r.buf;
  const lim = r.len;
  const at = r.pos;
  let pos = at;
  let lo = 0;
  for (let i = 0; i < 4; i++) {
    if (pos >= lim) throw corrupt(`${label}: truncated varint at byte ${at}`);
    const b = buf[pos++];
    lo += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      r.pos = pos;
      return lo;
    }
  }
  let big = BigInt(lo);
  for (let i = 4; i < 10; i++) {
    if (pos >= lim) throw corrupt(`${label}: truncated varint at byte ${at}`);
    const b = buf[pos++];
    if (i === 9 && b > 1) {
      throw corrupt(`${label}: ${b & 0x80 ? 'varint longer than 10 bytes' : 'varint over 64 bits'} at byte ${at}`);
    }
    big |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) {
      r.pos = pos;
      return big;
    }
  }
  throw corrupt(`${label}: varint longer than 10 bytes at byte ${at}`); // not reached: byte 10 decides above
}

function readScalar(f: FieldSpec, label: string, r: Reader): unknown {
  switch (f.kind) {
    case 'int32': {
      const v = readVarint(r, label);
      if (typeof v === 'number') return v;
      const s = BigInt.asIntN(64, v);
      if (s < -0x80000000n || s > 0x7fffffffn) throw corrupt(`${label}: value ${s} does not fit int32 at byte ${r.pos}`);
      return Number(s);
    }
    case 'int64': {
      const v = readVarint(r, label);
      return typeof v === 'number' ? BigInt(v) : BigInt.asIntN(64, v);
    }
    case 'uint64': {
      const v = readVarint(r, label);
      return typeof v === 'number' ? BigInt(v) : v;
    }
    case 'float':
      need(r, 4, label);
      return r.float();
    case 'double':
      need(r, 8, label);
      return r.double();
    case 'float-bytes':
      need(r, 4, label);
      r.skip(4);
      return r.raw(r.pos - 4, r.pos);
    case 'double-bytes':
      need(r, 8, label);
      r.skip(8);
      return r.raw(r.pos - 8, r.pos);
    default:
      throw corrupt(`${label}: internal schema error (kind ${f.kind})`);
  }
}

function readField(
  schema: Schema,
  spec: MessageSpec,
  f: FieldSpec,
  label: string,
  r: Reader,
  wt: number,
  at: number,
  depth: number,
  target: Decoded,
): void {
  const expected = wireTypeOf(f.kind);
  if (f.oneof !== undefined) clearOneof(spec, f, target);

  if (f.repeated && isPackable(f.kind) && wt === 2) {
    // Packed encoding (proto3 default, proto2 [packed=true]): a run of scalars in one length.
    const len = readLength(r, label);
    const end = r.pos + len;
    const list = arrayField(target, f.name);
    const size = expected === 5 ? 4 : expected === 1 ? 8 : 0; // fixed-width kinds
    if (size !== 0 && len % size !== 0) {
      throw corrupt(`${label}: packed length ${len} at byte ${at} is not a multiple of ${size}`);
    }
    if (f.kind === 'float-bytes' || f.kind === 'double-bytes') {
      list.push(r.raw(r.pos, end));
      r.skip(len);
      return;
    }
    const outerLen = r.len;
    r.len = end;
    while (r.pos < end) list.push(readScalar(f, label, r));
    r.len = outerLen;
    return;
  }

  if (wt !== expected) {
    throw corrupt(
      `${label}: expected wire type ${expected} (${WIRE_NAMES[expected]}), got ${wt} (${WIRE_NAMES[wt]}) at byte ${at}`,
    );
  }

  let value: unknown;
  switch (f.kind) {
    case 'string':
    case 'bytes': {
      const len = readLength(r, label);
      const bytes = r.raw(r.pos, r.pos + len);
      r.skip(len);
      if (f.kind === 'bytes') {
        value = bytes;
      } else {
        try {
          value = utf8.decode(bytes);
        } catch {
          throw corrupt(`${label}: string at byte ${at} is not valid UTF-8`);
        }
      }
      break;
    }
    case 'message': {
      const len = readLength(r, label);
      const end = r.pos + len;
      const sub = f.message as string;
      if (f.repeated) {
        value = decodeInto(schema, sub, r, end, depth + 1, {});
      } else {
        // A repeated singular message merges into the earlier one, as protobuf specifies.
        const prev = target[f.name];
        target[f.name] = decodeInto(schema, sub, r, end, depth + 1, (prev as Decoded | undefined) ?? {});
        return;
      }
      break;
    }
    case 'opaque': {
      const len = readLength(r, label);
      r.skip(len);
      if (f.repeated) {
        arrayField(target, f.name).push(true);
      } else {
        target[f.name] = true;
      }
      return;
    }
    default:
      value = readScalar(f, label, r);
  }
  if (f.repeated) arrayField(target, f.name).push(value);
  else target[f.name] = value; // last one wins, as protobuf specifies for scalars
}

function arrayField(target: Decoded, name: string): unknown[] {
  let list = target[name] as unknown[] | undefined;
  if (list === undefined) {
    list = [];
    target[name] = list;
  }
  return list;
}

function clearOneof(spec: MessageSpec, f: FieldSpec, target: Decoded): void {
  for (const other of Object.values(spec)) {
    if (other !== f && other.oneof === f.oneof) delete target[other.name];
  }
}
