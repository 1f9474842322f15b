// canonicalJson against the published RFC 8785 examples (section 3.2.2's
// serialization example, section 3.2.3's sorting example, Appendix B's number
// table) and the JCS reference test data (cyberphone/json-canonicalization,
// testdata/weird.json): expected strings are copied from those documents.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lib/kernel';
import { parseJsonStrict } from '../../lib/kernel/json';
import { expectCode } from './fixture';

function fromBits(hex: string): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt('0x' + hex));
  return v.getFloat64(0);
}

describe('canonicalJson: RFC 8785', () => {
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('Appendix B: the double with bits %s is written %s', (bits, text) => {
    expect(canonicalJson(fromBits(bits))).toBe(text);
    expect(canonicalJson([fromBits(bits)])).toBe(`[${text}]`);
  });

  it.each([['7fffffffffffffff'], ['7ff0000000000000'], ['fff0000000000000']])('Appendix B: refuses the non-finite double %s', async (bits) => {
    await expectCode(() => canonicalJson({ n: [1, fromBits(bits)] }), 'E_ARG', '$.n[1]');
  });

  const EXAMPLE_322 =
    '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n' +
    '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n  "literals": [null, true, false]\n}';
  const CANONICAL_322 = '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}';

  it('section 3.2.2: the serialization example', () => {
    expect(canonicalJson(JSON.parse(EXAMPLE_322))).toBe(CANONICAL_322);
    expect(canonicalJson(parseJsonStrict(EXAMPLE_322))).toBe(CANONICAL_322);
  });

  it('section 3.2.4: the UTF-8 of the example starts and ends as published', () => {
    const hex = Buffer.from(canonicalJson(JSON.parse(EXAMPLE_322)), 'utf8').toString('hex');
    // 7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c ... "€" is e2 82 ac, the end is 22 2f 22 7d
    expect(hex.startsWith('7b226c69746572616c73223a5b6e756c6c')).toBe(true);
    expect(hex).toContain('22737472696e67223a22e282ac245c7530303066');
    expect(hex.endsWith('222f227d')).toBe(true);
  });

  it('section 3.2.3: properties sort by UTF-16 code units, not code points', () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One",' +
        ' "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", "\\u00f6": "Latin Small Letter O With Diaeresis"}',
    );
    // The RFC lists the values in this order (JSON.parse would move "1" first, so compare text).
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('JCS test data weird.json', () => {
    const input = JSON.parse(
      '{"\\u20ac": "Euro Sign", "1": "One", "\\u0080": "Control\\u007f", "\\ud83d\\ude02": "Smiley",' +
        ' "\\u00f6": "Latin Small Letter O With Diaeresis", "\\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}',
    );
    expect(canonicalJson(input)).toBe(
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('JCS test data values.json', () => {
    const input = '{"numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001], "escaping": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}';
    expect(canonicalJson(JSON.parse(input))).toBe('{"escaping":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}');
  });

  it('sorts nested objects, keeps array order, writes no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: 1, a: { d: null, c: true } }, 'x'], a: -0, '': 'empty' })).toBe('{"":"empty","a":0,"b":[3,{"a":{"c":true,"d":null},"z":1},"x"]}');
  });

  it('refuses values without a JSON form, naming where they are', async () => {
    await expectCode(() => canonicalJson({ a: undefined }), 'E_ARG', '$.a');
    await expectCode(() => canonicalJson([() => 1]), 'E_ARG', '$[0]', 'function');
    await expectCode(() => canonicalJson({ n: 1n }), 'E_ARG', 'bigint');
    await expectCode(() => canonicalJson({ d: new Date(0) }), 'E_ARG', 'Date');
    await expectCode(() => canonicalJson({ s: 'a\ud800b' }), 'E_ARG', 'unpaired surrogate');
    await expectCode(() => canonicalJson([1, , 3]), 'E_ARG', 'holes');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expectCode(() => canonicalJson(cyclic), 'E_ARG', 'cycle');
  });

  it('a shared (non-cyclic) sub-object is fine', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"k":1},"b":{"k":1}}');
  });
});
