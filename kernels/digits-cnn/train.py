"""Train and export the digits-cnn kernel (weights in a separate safetensors file).

Data: scikit-learn's bundled copy of the UCI "Optical Recognition of Handwritten Digits" test set
(sklearn.datasets.load_digits: 1797 images, 8x8, pixel values 0..16), as images [batch, 1, 8, 8] = pixels / 16.
Same stratified 80/20 split (seed 0) as kernels/digits-mlp.
Model: Conv(1->8, 3x3, pad 1) + ReLU + MaxPool(2) -> Conv(8->16, 3x3, pad 1) + ReLU + MaxPool(2)
       -> Flatten -> Linear(64 -> 10); outputs "logits" and "probs" (Softmax, axis 1).
The exported model.onnx holds NO weight initializers: every weight lives in weights.safetensors under the
initializer's name, and the AIVM loader supplies it by name.
Run from the repository root:  /usr/bin/python3 kernels/digits-cnn/train.py
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import common  # noqa: E402

SEED = 0
common.make_torch_deterministic(SEED)


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(64, 10)

    def forward(self, image):
        h = nn.functional.max_pool2d(torch.relu(self.conv1(image)), 2)   # [b, 8, 4, 4]
        h = nn.functional.max_pool2d(torch.relu(self.conv2(h)), 2)       # [b, 16, 2, 2]
        logits = self.fc(torch.flatten(h, 1))
        return logits, torch.softmax(logits, dim=1)


def write_safetensors(path, tensors):
    """Minimal safetensors writer: u64 LE header length, JSON header, then the raw little-endian bytes."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype='<f4')
        b = a.tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    hj = json.dumps(header, separators=(',', ':')).encode('utf-8')
    hj += b' ' * (-len(hj) % 8)                       # pad so the data section starts 8-byte aligned
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        b, e = info['data_offsets']
        out[name] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype='<f4').reshape(info['shape'])
    return out


def main():
    x_tr, x_te, y_tr, y_te = common.load_digits_split(SEED, image=True)
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    epochs = 60
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    common.train_classifier(model, opt, x_tr, y_tr, SEED, epochs, sched)
    te_acc = common.evaluate_classifier(model, x_tr, y_tr, x_te, y_te)

    path = os.path.join(HERE, 'model.onnx')
    torch.onnx.export(model, torch.from_numpy(x_te[:1]), path, opset_version=17, do_constant_folding=True,
                      input_names=['image'], output_names=['logits', 'probs'],
                      dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}, 'probs': {0: 'batch'}})
    m = onnx.load(path)
    onnx.checker.check_model(m)          # the complete model, before its weights are moved out
    common.check_ops(m)

    # Move every weight initializer (those equal to a model parameter) to weights.safetensors.
    params = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    weights, keep = {}, []
    for t in m.graph.initializer:
        a = onnx.numpy_helper.to_array(t)
        if t.name in params:
            assert np.array_equal(a, params[t.name]), t.name
            weights[t.name] = a
        else:
            keep.append(t)                   # a non-weight constant: stays in the ONNX file
    assert sorted(weights) == sorted(params), (sorted(weights), sorted(params))
    print('weights moved to safetensors:', ', '.join(f'{k}{list(v.shape)}' for k, v in sorted(weights.items())))
    print('initializers kept in model.onnx:', [t.name for t in keep])
    del m.graph.initializer[:]
    m.graph.initializer.extend(keep)
    onnx.save_model(m, path)
    write_safetensors(os.path.join(HERE, 'weights.safetensors'), weights)

    # Round trip: the stripped model + the safetensors file gives back a valid, complete model.
    m2 = onnx.load(path)
    assert len(m2.graph.initializer) == len(keep)
    back = read_safetensors(os.path.join(HERE, 'weights.safetensors'))
    for name, a in sorted(back.items()):
        assert np.array_equal(a, params[name])
        m2.graph.initializer.append(onnx.numpy_helper.from_array(np.array(a), name))
    onnx.checker.check_model(m2)

    vectors = common.write_classifier_vectors(HERE, model, x_te, y_te, 'image')

    common.write_kernel_manifest(
        HERE, 'digits-cnn',
        f'Small CNN (2 conv + maxpool, linear head) classifying 8x8 handwritten digits (UCI optdigits via '
        f'sklearn load_digits); held-out accuracy {te_acc * 100:.2f}%. Input: image [batch,1,8,8] = pixels / 16. '
        f'Weights in weights.safetensors.',
        [{'name': 'image', 'dtype': 'float32', 'shape': ['batch', 1, 8, 8]}],
        [{'name': 'logits', 'dtype': 'float32', 'shape': ['batch', 10]},
         {'name': 'probs', 'dtype': 'float32', 'shape': ['batch', 10]}],
        vectors, weights='weights.safetensors')


if __name__ == '__main__':
    main()
