"""Shared helpers for the kernel training / export scripts (run with Debian's /usr/bin/python3)."""
import json
import math
import os
import sys

import numpy as np

# Ops the engine implements, plus graph-level ops the loader folds (see the issue 3 plan).
ENGINE_OPS = set('''Abs Add AveragePool BatchNormalization Cast Clip Concat Conv Div Equal Erf Exp Expand Gather Gelu
Gemm GlobalAveragePool Greater LayerNormalization LeakyRelu Less Log LogSoftmax MatMul MaxPool Mul Neg Pow Reciprocal
ReduceMax ReduceMean ReduceMin ReduceSum Relu Reshape Sigmoid Slice Softmax Softplus Split Sqrt Sub Tanh Transpose
Where'''.split())
FOLDED_OPS = set('Shape Constant Identity Unsqueeze Squeeze Flatten ConstantOfShape Range Dropout'.split())


def make_torch_deterministic(seed):
    """Seeds torch and numpy, one thread, deterministic kernels: re-running a train.py rewrites byte-identical files."""
    import torch
    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def check_ops(model):
    """Print the op types of the graph and fail if one is outside the engine's list."""
    ops = sorted({n.op_type for n in model.graph.node})
    domains = sorted({n.domain for n in model.graph.node})
    counts = {}
    for n in model.graph.node:
        counts[n.op_type] = counts.get(n.op_type, 0) + 1
    print('op types:', ', '.join(f'{o} x{counts[o]}' for o in ops))
    bad = [o for o in ops if o not in ENGINE_OPS and o not in FOLDED_OPS]
    if bad or domains not in ([''], ['ai.onnx']):
        raise SystemExit(f'unsupported ops {bad} / domains {domains}')
    return ops


def f32_list(a):
    """float32 array -> list of python floats, each the shortest decimal that round-trips to that float32."""
    a = np.asarray(a, dtype=np.float32).reshape(-1)
    if not np.all(np.isfinite(a)):
        raise ValueError('non-finite value in vector')
    out = [float(np.format_float_positional(v, unique=True, trim='-')) if v != 0 else 0.0 for v in a]
    back = np.array(out, dtype=np.float64).astype(np.float32)
    assert np.array_equal(back.view(np.uint32), a.view(np.uint32)) or np.array_equal(back, a)
    # -0.0 is kept as -0.0 by python floats; json writes "-0.0"
    return out


def tensor_json(a):
    a = np.asarray(a)
    if a.dtype == np.float32:
        return {'dtype': 'float32', 'shape': list(a.shape), 'data': f32_list(a)}
    if a.dtype == np.int64:
        return {'dtype': 'int64', 'shape': list(a.shape), 'data': [int(v) for v in a.reshape(-1)]}
    raise TypeError(a.dtype)


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
        f.write('\n')


def write_vector(kdir, name, inputs, outputs, extra=None):
    """vectors/<name>.json (inputs) and vectors/<name>.torch.json (torch's outputs + extra info)."""
    write_json(os.path.join(kdir, 'vectors', name + '.json'),
               {'inputs': {k: tensor_json(v) for k, v in inputs.items()}})
    ref = {'outputs': {k: tensor_json(v) for k, v in outputs.items()}}
    if extra:
        ref.update(extra)
    write_json(os.path.join(kdir, 'vectors', name + '.torch.json'), ref)
    return 'vectors/' + name + '.json'


def write_manifest(kdir, manifest):
    manifest.setdefault('files', {})
    with open(os.path.join(kdir, 'aivm.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import digests
    digests.update_dir(kdir)


ZERO_HASH = '0x' + '0' * 64

COMMON_MANIFEST = {
    'format': 'aivm-kernel/1',
    'engine': {'numerics': 'aivm-fp32-v1', 'minVersion': '0.1.0'},
    'limits': {'maxGas': 10000000000, 'maxMemoryBytes': 268435456, 'maxDims': {'batch': 1024}},
    'aggregation': {'script': 'aggregate.js', 'policy': 'majority', 'quorum': 0.5},
}


def load_digits_split(seed, image=False):
    """sklearn's bundled digits, pixels / 16 (exact in float32), stratified 80/20 split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    if image:
        x = x.reshape(-1, 1, 8, 8)
    y = d.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.2, stratify=y, random_state=seed)


def train_classifier(model, opt, x_tr, y_tr, seed, epochs, sched=None, batch=32):
    """Mini-batch cross-entropy training on the model's first output, shuffled by a seeded generator."""
    import torch
    import torch.nn as nn
    xt, yt = torch.from_numpy(x_tr), torch.from_numpy(y_tr)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            loss = nn.functional.cross_entropy(model(xt[idx])[0], yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if sched is not None:
            sched.step()


def evaluate_classifier(model, x_tr, y_tr, x_te, y_te):
    """Prints and returns the held-out accuracy (model in eval mode afterwards)."""
    import torch
    import torch.nn as nn
    model.eval()
    with torch.no_grad():
        tr_acc = (model(torch.from_numpy(x_tr))[0].argmax(1) == torch.from_numpy(y_tr)).float().mean().item()
        logits_te = model(torch.from_numpy(x_te))[0]
        te_acc = (logits_te.argmax(1).numpy() == y_te).mean()
        te_loss = nn.functional.cross_entropy(logits_te, torch.from_numpy(y_te)).item()
    nparams = sum(p.numel() for p in model.parameters())
    print(f'params {nparams}  train acc {tr_acc:.4f}  held-out acc {te_acc:.4f} ({int(round(te_acc * len(y_te)))}/{len(y_te)})  held-out loss {te_loss:.4f}')
    return te_acc


def write_classifier_vectors(kdir, model, x_te, y_te, input_name):
    """Golden vectors batch1 and batch4 from held-out rows, with torch's outputs, labels and targets."""
    import torch
    vectors = []
    for name, rows in (('batch1', [0]), ('batch4', [1, 2, 3, 4])):
        x = x_te[rows]
        with torch.no_grad():
            logits, probs = model(torch.from_numpy(x))
        rel = write_vector(kdir, name, {input_name: x}, {'logits': logits.numpy(), 'probs': probs.numpy()},
                           {'labels': [int(v) for v in logits.argmax(1)], 'targets': [int(v) for v in y_te[rows]],
                            'source': f'held-out split rows {rows}'})
        vectors.append({'name': name, 'inputs': rel, 'outputHash': ZERO_HASH})
    return vectors


def write_kernel_manifest(kdir, name, description, inputs, outputs, vectors, weights=None):
    """aivm.json with the settings every shipped kernel shares (engine, limits, aggregation)."""
    manifest = {'format': COMMON_MANIFEST['format'], 'name': name, 'version': '1.0.0', 'description': description,
                'engine': COMMON_MANIFEST['engine'], 'model': 'model.onnx'}
    if weights:
        manifest['weights'] = weights
    manifest.update({'inputs': inputs, 'outputs': outputs, 'limits': COMMON_MANIFEST['limits'],
                     'aggregation': COMMON_MANIFEST['aggregation'], 'vectors': vectors})
    write_manifest(kdir, manifest)
