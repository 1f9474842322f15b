"""Pure-python keccak256 (the original Keccak padding used by Ethereum, NOT NIST SHA3-256)
and helpers to fill the "files" map of a kernel's aivm.json.

Usage: /usr/bin/python3 kernels/tools/digests.py <kernel-dir> [...]   # rewrites "files" in aivm.json
       /usr/bin/python3 kernels/tools/digests.py --selftest
"""
import json
import os
import sys

_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
_ROT = [
    [0, 36, 3, 41, 18],
    [1, 44, 10, 45, 2],
    [62, 6, 43, 15, 61],
    [28, 55, 25, 21, 56],
    [27, 20, 39, 8, 14],
]
_M = (1 << 64) - 1


def _rol(v, n):
    n %= 64
    return ((v << n) | (v >> (64 - n))) & _M if n else v


def _keccak_f(a):
    # a[x][y], 64-bit lanes
    for rc in _RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        for x in range(5):
            for y in range(5):
                a[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], _ROT[x][y])
        for x in range(5):
            for y in range(5):
                a[x][y] = b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y])
        a[0][0] ^= rc


def keccak256(data: bytes) -> bytes:
    rate = 136
    msg = bytearray(data)
    msg.append(0x01)
    while len(msg) % rate:
        msg.append(0)
    msg[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        block = msg[off:off + rate]
        for i in range(rate // 8):
            x, y = i % 5, i // 5
            a[x][y] ^= int.from_bytes(block[8 * i:8 * i + 8], 'little')
        _keccak_f(a)
    out = b''.join(a[i % 5][i // 5].to_bytes(8, 'little') for i in range(4))
    return out


def hex256(data: bytes) -> str:
    return '0x' + keccak256(data).hex()


def selftest():
    # Known answers (keccak256 of "" and "abc" as computed by ethers.keccak256).
    assert keccak256(b'').hex() == 'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470'
    assert keccak256(b'abc').hex() == '4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45'
    # multi-block input (> 136 bytes): 200 x 'a'
    assert keccak256(b'a' * 200).hex() == _KNOWN_200A, keccak256(b'a' * 200).hex()


# keccak256("a" * 200), from ethers (checked when this file was written)
_KNOWN_200A = '96ea54061def936c4be90b518992fdc6f12f535068a256229aca54267b4d084d'


def referenced_files(manifest):
    files = [manifest['model']]
    if manifest.get('weights'):
        files.append(manifest['weights'])
    files.append(manifest['aggregation']['script'])
    for v in manifest.get('vectors', []):
        files.append(v['inputs'])
    return files


def external_data_files(kdir, model_rel):
    """ONNX external-data files the model refers to, as paths relative to the kernel dir."""
    import onnx
    m = onnx.load(os.path.join(kdir, model_rel), load_external_data=False)
    out = []
    for t in m.graph.initializer:
        for e in t.external_data:
            if e.key == 'location':
                p = os.path.normpath(os.path.join(os.path.dirname(model_rel), e.value))
                if p not in out:
                    out.append(p)
    return out


def update_dir(kdir, extra=()):
    path = os.path.join(kdir, 'aivm.json')
    with open(path) as f:
        manifest = json.load(f)
    names = referenced_files(manifest) + external_data_files(kdir, manifest['model']) + list(extra)
    files = {}
    for name in sorted(set(names)):
        with open(os.path.join(kdir, name), 'rb') as f:
            files[name] = hex256(f.read())
    manifest['files'] = files
    with open(path, 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    return files


if __name__ == '__main__':
    if sys.argv[1:] == ['--selftest']:
        selftest()
        print('keccak256 selftest ok')
    else:
        for d in sys.argv[1:]:
            print(d, json.dumps(update_dir(d), indent=2))
