"""Independent check of a shipped kernel: evaluates its ONNX graph with a small float64 numpy interpreter
(only the ops the shipped kernels use), reading weights exactly as the manifest says (initializers,
ONNX external data by location/offset/length, or the safetensors file), on each vector's inputs, and
compares with vectors/<name>.torch.json (PyTorch's float32 outputs).

Usage: /usr/bin/python3 kernels/tools/npeval.py kernels/<name> [...]
"""
import json
import math
import os
import struct
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

ERF = np.vectorize(math.erf, otypes=[np.float64])


def load_weights(kdir, manifest):
    model = onnx.load(os.path.join(kdir, manifest['model']), load_external_data=False)
    env = {}
    for t in model.graph.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            info = {e.key: e.value for e in t.external_data}
            with open(os.path.join(kdir, os.path.dirname(manifest['model']), info['location']), 'rb') as f:
                f.seek(int(info.get('offset', 0)))
                raw = f.read(int(info['length']))
            assert t.data_type == onnx.TensorProto.FLOAT
            env[t.name] = np.frombuffer(raw, dtype='<f4').reshape(tuple(t.dims))
        else:
            env[t.name] = numpy_helper.to_array(t)
    if manifest.get('weights'):
        with open(os.path.join(kdir, manifest['weights']), 'rb') as f:
            raw = f.read()
        n = struct.unpack('<Q', raw[:8])[0]
        header = json.loads(raw[8:8 + n])
        for name, info in header.items():
            if name == '__metadata__':
                continue
            assert info['dtype'] == 'F32' and name not in env
            b, e = info['data_offsets']
            env[name] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype='<f4').reshape(info['shape'])
    return model, env


def softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def conv2d(x, w, b, pads, strides):
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    oh = (h + pads[0] + pads[2] - kh) // strides[0] + 1
    ow = (wd + pads[1] + pads[3] - kw) // strides[1] + 1
    out = np.zeros((n, m, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b.reshape(1, -1, 1, 1)


def maxpool(x, k, s):
    n, c, h, w = x.shape
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]].max(axis=(2, 3))
    return out


def run(model, env, inputs):
    v = dict(env)
    v.update(inputs)
    for n in model.graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        i = [v[name] if name else None for name in n.input]
        op = n.op_type
        if op == 'Constant':
            r = numpy_helper.to_array(a['value'])
        elif op == 'Gemm':
            A = i[0].T if a.get('transA') else i[0]
            B = i[1].T if a.get('transB') else i[1]
            r = a.get('alpha', 1.0) * (A @ B) + (a.get('beta', 1.0) * i[2] if len(i) > 2 else 0)
        elif op == 'MatMul':
            r = np.matmul(i[0].astype(np.float64), i[1].astype(np.float64))
        elif op == 'Relu':
            r = np.maximum(i[0], 0)
        elif op == 'Softmax':
            r = softmax(i[0], a.get('axis', -1))
        elif op == 'Add':
            r = i[0] + i[1]
        elif op == 'Mul':
            r = i[0] * i[1]
        elif op == 'Div':
            r = i[0] / i[1]
        elif op == 'Erf':
            r = ERF(i[0])
        elif op == 'Gather':
            r = np.take(i[0], i[1], axis=a.get('axis', 0))
        elif op == 'Reshape':
            r = i[0].reshape([int(d) for d in i[1]])
        elif op == 'Transpose':
            r = np.transpose(i[0], a['perm'])
        elif op == 'Flatten':
            ax = a.get('axis', 1)
            r = i[0].reshape(int(np.prod(i[0].shape[:ax])), -1)
        elif op == 'LayerNormalization':
            ax = a.get('axis', -1)
            axes = tuple(range(ax % i[0].ndim, i[0].ndim))
            mu = i[0].mean(axis=axes, keepdims=True)
            var = ((i[0] - mu) ** 2).mean(axis=axes, keepdims=True)
            r = (i[0] - mu) / np.sqrt(var + a.get('epsilon', 1e-5)) * i[1] + i[2]
        elif op == 'Conv':
            assert a.get('group', 1) == 1 and list(a.get('dilations', [1, 1])) == [1, 1]
            r = conv2d(i[0], i[1], i[2], a['pads'], a['strides'])
        elif op == 'MaxPool':
            assert not a.get('ceil_mode') and not any(a.get('pads', [0]))
            r = maxpool(i[0], a['kernel_shape'], a['strides'])
        else:
            raise SystemExit(f'npeval: op {op} not implemented')
        if isinstance(r, np.ndarray) and r.dtype.kind == 'f':
            r = r.astype(np.float64)
        v[n.output[0]] = r
    return {o.name: v[o.name] for o in model.graph.output}


def check(kdir):
    with open(os.path.join(kdir, 'aivm.json')) as f:
        manifest = json.load(f)
    model, env = load_weights(kdir, manifest)
    for vec in manifest['vectors']:
        with open(os.path.join(kdir, vec['inputs'])) as f:
            spec = json.load(f)['inputs']
        inputs = {}
        for name, t in spec.items():
            dt = {'float32': np.float32, 'int64': np.int64}[t['dtype']]
            inputs[name] = np.array(t['data'], dtype=dt).reshape(t['shape'])
        with open(os.path.join(kdir, vec['inputs'][:-len('.json')] + '.torch.json')) as f:
            ref = json.load(f)
        got = run(model, env, inputs)
        for name, t in ref['outputs'].items():
            want = np.array(t['data'], dtype=np.float32).reshape(t['shape']).astype(np.float64)
            g = got[name]
            assert list(g.shape) == t['shape'], (name, g.shape, t['shape'])
            diff = np.abs(g - want).max()
            rel = diff / max(np.abs(want).max(), 1e-30)
            print(f'{os.path.basename(kdir)} {vec["name"]} {name}{list(g.shape)}: max |numpy64 - torch32| = {diff:.3g} (rel {rel:.3g})')
            assert rel < 1e-4, 'mismatch'
            if 'labels' in ref and name == 'logits':
                assert np.argmax(g, axis=-1).tolist() == ref['labels'], 'argmax labels differ'


if __name__ == '__main__':
    for d in sys.argv[1:]:
        check(d)
