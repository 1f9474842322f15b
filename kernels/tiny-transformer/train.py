"""Train and export the tiny-transformer kernel: a character-level causal language model.

Data: the data-set descriptions (DESCR texts) that ship inside scikit-learn, i.e. the reStructuredText files in
sklearn/datasets/descr/ (iris, digits, wine, breast cancer, diabetes, linnerud, and the descriptions of the
downloadable sets: california housing, covtype, kddcup99, lfw, olivetti faces, rcv1, 20 newsgroups), read in
file-name order. No download. For every document the first 90% of its characters are training text and the
last 10% held-out text.
Tokens: bytes 0..127 (characters outside ASCII become '?'), context 32.
Model (explicit ops, no nn.MultiheadAttention / nn.TransformerEncoderLayer):
  token embedding [128, 64] (Gather) + learned position embedding [32, 64];
  2 pre-LN blocks: x += Wo(causal multi-head attention(LN(x)))  (4 heads of 16, scores * 1/sqrt(16),
  additive causal mask buffer [32, 32] of 0 / -1e4, softmax over keys); x += W2(GELU_erf(W1(LN(x)))) (64->256->64);
  final LayerNorm; Linear 64 -> 128 logits.
Input "tokens" int64 [batch, 32]; output "logits" float32 [batch, 32, 128].
Exported as model.onnx + weights.bin (ONNX external data, every tensor in weights.bin).
Run from the repository root:  /usr/bin/python3 kernels/tiny-transformer/train.py
"""
import glob
import math
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import sklearn.datasets

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import common  # noqa: E402

SEED = 0
CTX, D, HEADS, HD, FF, VOCAB, LAYERS = 32, 64, 4, 16, 256, 128, 2
STEPS, BATCH, LR = int(os.environ.get('STEPS', 3000)), 32, 3e-3
DROPOUT = float(os.environ.get('DROPOUT', 0.1))
common.make_torch_deterministic(SEED)


def load_text():
    """[(name, train_tokens, heldout_tokens)] for every bundled DESCR document."""
    descr = os.path.join(os.path.dirname(sklearn.datasets.__file__), 'descr')
    docs = []
    for path in sorted(glob.glob(os.path.join(descr, '*.rst'))):
        with open(path, encoding='utf-8') as f:
            text = f.read()
        toks = np.array([ord(c) if ord(c) < 128 else ord('?') for c in text], dtype=np.int64)
        cut = int(len(toks) * 0.9)
        docs.append((os.path.basename(path), toks[:cut], toks[cut:]))
    return docs


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D)
        self.q = nn.Linear(D, D)
        self.k = nn.Linear(D, D)
        self.v = nn.Linear(D, D)
        self.o = nn.Linear(D, D)
        self.ln2 = nn.LayerNorm(D)
        self.fc1 = nn.Linear(D, FF)
        self.fc2 = nn.Linear(FF, D)
        self.drop = nn.Dropout(DROPOUT)                                     # training only; not in the export

    def attention(self, x, mask):
        # python-int shapes, -1 only for the batch dimension
        q = self.q(x).reshape(-1, CTX, HEADS, HD).transpose(1, 2)          # [b, h, t, hd]
        k = self.k(x).reshape(-1, CTX, HEADS, HD).transpose(1, 2)
        v = self.v(x).reshape(-1, CTX, HEADS, HD).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(HD)) + mask   # [b, h, t, t]
        att = torch.softmax(scores, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(-1, CTX, D)         # merge heads
        return self.o(y)

    def forward(self, x, mask):
        x = x + self.drop(self.attention(self.ln1(x), mask))
        x = x + self.drop(self.fc2(nn.functional.gelu(self.fc1(self.ln2(x)))))        # exact (erf) GELU
        return x


class TinyTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D)
        self.pos = nn.Parameter(torch.randn(CTX, D) * 0.02)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln_f = nn.LayerNorm(D)
        self.head = nn.Linear(D, VOCAB)
        self.drop = nn.Dropout(DROPOUT)
        mask = torch.triu(torch.full((CTX, CTX), -1e4), diagonal=1)        # 0 on/below the diagonal
        self.register_buffer('mask', mask)
        nn.init.normal_(self.tok.weight, std=0.02)

    def forward(self, tokens):
        x = self.drop(self.tok(tokens) + self.pos)
        for b in self.blocks:
            x = b(x, self.mask)
        return self.head(self.ln_f(x))


def windows(segments, stride):
    xs, ys = [], []
    for s in segments:
        for i in range(0, len(s) - CTX, stride):
            xs.append(s[i:i + CTX])
            ys.append(s[i + 1:i + CTX + 1])
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def evaluate(model, x, y):
    with torch.no_grad():
        logits = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1)).item()
        acc = (logits.argmax(-1) == y).float().mean().item()
    return loss, acc


def main():
    docs = load_text()
    train_segs = [d[1] for d in docs]
    held_segs = [d[2] for d in docs]
    ntrain, nheld = sum(len(s) for s in train_segs), sum(len(s) for s in held_segs)
    print(f'{len(docs)} documents, {ntrain} training chars, {nheld} held-out chars')
    xtr_all, ytr_all = windows(train_segs, 1)            # every training window
    xte, yte = windows(held_segs, CTX)                   # non-overlapping held-out windows

    model = TinyTransformer()
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=LR, betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=STEPS, pct_start=0.05)
    g = torch.Generator().manual_seed(SEED)
    for step in range(1, STEPS + 1):
        idx = torch.randint(0, len(xtr_all), (BATCH,), generator=g)
        logits = model(xtr_all[idx])
        loss = nn.functional.cross_entropy(logits.reshape(-1, VOCAB), ytr_all[idx].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 500 == 0:
            model.eval()
            vl, va = evaluate(model, xte, yte)
            model.train()
            print(f'step {step}  train loss {loss.item():.3f}  held-out loss {vl:.3f}  held-out next-char acc {va:.4f}')
    model.eval()
    tl, ta = evaluate(model, *windows(train_segs, CTX))
    vl, va = evaluate(model, xte, yte)
    nparams = sum(p.numel() for p in model.parameters())
    print(f'params {nparams}  train loss {tl:.3f} acc {ta:.4f}  held-out loss {vl:.3f} ({vl / math.log(2):.3f} bits/char) '
          f'held-out next-char acc {va:.4f} over {yte.numel()} chars')

    tmp = os.path.join(HERE, 'model.tmp.onnx')
    torch.onnx.export(model, xte[:1], tmp, opset_version=17, do_constant_folding=True,
                      input_names=['tokens'], output_names=['logits'],
                      dynamic_axes={'tokens': {0: 'batch'}, 'logits': {0: 'batch'}})
    m = onnx.load(tmp)
    os.remove(tmp)
    # torch names the logits' second dim 'Addlogits_dim_1'; it is the fixed context: declare 32.
    dims = m.graph.output[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == 'batch' and dims[2].dim_value == VOCAB, dims
    dims[1].Clear()
    dims[1].dim_value = CTX
    onnx.checker.check_model(m)
    inferred = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    shape = [d.dim_param or d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
    assert shape == ['batch', CTX, VOCAB], shape
    common.check_ops(m)
    print('initializers:', len(m.graph.initializer), 'e.g.', [t.name for t in m.graph.initializer][:6])
    path = os.path.join(HERE, 'model.onnx')
    for stale in (path, os.path.join(HERE, 'weights.bin')):
        if os.path.exists(stale):
            os.remove(stale)                 # external data is appended to an existing file: start clean
    onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location='weights.bin', size_threshold=0)
    onnx.checker.check_model(path)           # path form: checks the external data references too
    print('model.onnx', os.path.getsize(path), 'bytes; weights.bin', os.path.getsize(os.path.join(HERE, 'weights.bin')), 'bytes')

    vectors = []
    for name, rows in (('batch1', [0]), ('batch4', [3, 11, 19, 27])):
        x = xte[rows]
        with torch.no_grad():
            logits = model(x)
        pred = logits.argmax(-1)
        rel = common.write_vector(HERE, name, {'tokens': x.numpy()}, {'logits': logits.numpy()}, {
            'labels': pred.tolist(),                          # argmax next char at every position
            'targets': yte[rows].tolist(),                    # the actual next chars
            'text': [''.join(chr(c) for c in r) for r in x.tolist()],
            'predicted': [''.join(chr(c) for c in r) for r in pred.tolist()],
            'source': f'held-out windows {rows} (non-overlapping 32-char windows of the held-out 10% of each document)'})
        vectors.append({'name': name, 'inputs': rel, 'outputHash': common.ZERO_HASH})

    common.write_kernel_manifest(
        HERE, 'tiny-transformer',
        f'Character-level causal transformer (2 pre-LN blocks, 4 heads x 16, d=64, context 32, ASCII) '
        f'trained on scikit-learn\'s bundled data-set descriptions; held-out next-char accuracy '
        f'{va * 100:.1f}%, loss {vl:.3f} nats/char. Weights in weights.bin (ONNX external data).',
        [{'name': 'tokens', 'dtype': 'int64', 'shape': ['batch', CTX]}],
        [{'name': 'logits', 'dtype': 'float32', 'shape': ['batch', CTX, VOCAB]}],
        vectors)


if __name__ == '__main__':
    main()
