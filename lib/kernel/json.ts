// A strict JSON parser for the files a kernel id depends on (aivm.json, input
// files, safetensors headers). JSON.parse is not enough for them:
// - it silently keeps the last of two duplicate keys, so two readers of the
//   same aivm.json could see different manifests; RFC 8785 (the canonical form
//   the kernel id is computed over) forbids duplicates (I-JSON), and so do we;
// - its error messages do not always say where the problem is;
// - it accepts lone surrogate escapes ("\ud800"), which are not Unicode text
//   and have no canonical UTF-8 form.
// The values it builds are what JSON.parse would build (numbers are doubles,
// "__proto__" is an ordinary own key).

export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} at line ${line}, column ${column}`);
    this.name = 'JsonSyntaxError';
  }
}

const MAX_DEPTH = 256;

export function parseJsonStrict(text: string): unknown {
  let pos = 0;

  const fail = (reason: string, at = pos): never => {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new JsonSyntaxError(reason, line, at - lineStart + 1);
  };

  const describeHere = (): string => (pos >= text.length ? 'end of input' : `${JSON.stringify(text[pos])}`);

  const skipWs = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };

  const parseValue = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    skipWs();
    const c = text[pos];
    if (c === '{') return parseObject(depth);
    if (c === '[') return parseArray(depth);
    if (c === '"') return parseString();
    if (c === '-' || (c >= '0' && c <= '9')) return parseNumber();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    return fail(`unexpected ${describeHere()}, expected a value`);
  };

  const parseObject = (depth: number): Record<string, unknown> => {
    pos++; // {
    const obj: Record<string, unknown> = {};
    const seen = new Set<string>();
    skipWs();
    if (text[pos] === '}') {
      pos++;
      return obj;
    }
    for (;;) {
      skipWs();
      if (text[pos] !== '"') fail(`unexpected ${describeHere()}, expected a property name in double quotes`);
      const keyAt = pos;
      const key = parseString();
      if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      seen.add(key);
      skipWs();
      if (text[pos] !== ':') fail(`unexpected ${describeHere()}, expected ':'`);
      pos++;
      const value = parseValue(depth + 1);
      // defineProperty, not assignment: a "__proto__" key must stay data.
      Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      skipWs();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      fail(`unexpected ${describeHere()}, expected ',' or '}'`);
    }
  };

  const parseArray = (depth: number): unknown[] => {
    pos++; // [
    const arr: unknown[] = [];
    skipWs();
    if (text[pos] === ']') {
      pos++;
      return arr;
    }
    for (;;) {
      arr.push(parseValue(depth + 1));
      skipWs();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      fail(`unexpected ${describeHere()}, expected ',' or ']'`);
    }
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    let runStart = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string', start);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(runStart, pos);
        pos++;
        break;
      }
      if (c < 0x20) fail('control character in string (it must be escaped)');
      if (c === 0x5c) {
        out += text.slice(runStart, pos);
        const e = text[pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in simple) {
          out += simple[e];
          pos += 2;
        } else if (e === 'u') {
          out += String.fromCharCode(readHex4(pos + 2));
          pos += 6;
        } else {
          fail(`invalid escape ${JSON.stringify('\\' + (e ?? ''))}`);
        }
        runStart = pos;
        continue;
      }
      pos++;
    }
    if (hasLoneSurrogate(out)) fail('string contains an unpaired surrogate, which is not Unicode text', start);
    return out;
  };

  const readHex4 = (at: number): number => {
    const hex = text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape, expected 4 hex digits', at);
    return parseInt(hex, 16);
  };

  const parseNumber = (): number => {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(pos, pos + 400));
    if (!m) return fail(`invalid number`);
    const next = text[pos + m[0].length];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) fail('invalid number', pos + m[0].length);
    const n = Number(m[0]);
    // I-JSON: a number must fit a double; 1e400 would silently become Infinity.
    if (!Number.isFinite(n)) fail('number out of the range of a double');
    pos += m[0].length;
    return n;
  };

  const value = parseValue(0);
  skipWs();
  if (pos < text.length) fail(`unexpected ${describeHere()} after the JSON value`);
  return value;
}

export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return true;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return true;
    }
  }
  return false;
}
