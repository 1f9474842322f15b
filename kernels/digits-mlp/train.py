"""Train and export the digits-mlp kernel.

Data: scikit-learn's bundled copy of the UCI "Optical Recognition of Handwritten Digits" test set
(sklearn.datasets.load_digits: 1797 images, 8x8, pixel values 0..16). No download.
Model: MLP 64 -> 64 -> 32 -> 10 with ReLU; graph outputs "logits" and "probs" (Softmax, axis 1).
Run from the repository root:  /usr/bin/python3 kernels/digits-mlp/train.py
Deterministic: fixed seeds, one thread, fixed split.
"""
import os
import sys

import onnx
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tools'))
import common  # noqa: E402

SEED = 0
common.make_torch_deterministic(SEED)


class DigitsMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 64)
        self.fc2 = nn.Linear(64, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, pixels):
        h = torch.relu(self.fc1(pixels))
        h = torch.relu(self.fc2(h))
        logits = self.fc3(h)
        return logits, torch.softmax(logits, dim=1)


def main():
    x_tr, x_te, y_tr, y_te = common.load_digits_split(SEED)
    model = DigitsMLP()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    common.train_classifier(model, opt, x_tr, y_tr, SEED, 150)
    te_acc = common.evaluate_classifier(model, x_tr, y_tr, x_te, y_te)

    path = os.path.join(HERE, 'model.onnx')
    torch.onnx.export(model, torch.from_numpy(x_te[:1]), path, opset_version=17, do_constant_folding=True,
                      input_names=['pixels'], output_names=['logits', 'probs'],
                      dynamic_axes={'pixels': {0: 'batch'}, 'logits': {0: 'batch'}, 'probs': {0: 'batch'}})
    m = onnx.load(path)
    onnx.checker.check_model(m)
    common.check_ops(m)

    vectors = common.write_classifier_vectors(HERE, model, x_te, y_te, 'pixels')

    common.write_kernel_manifest(
        HERE, 'digits-mlp',
        f'MLP 64-64-32-10 classifying 8x8 handwritten digits (UCI optdigits via sklearn load_digits); '
        f'held-out accuracy {te_acc * 100:.2f}%. Input: pixel values / 16.',
        [{'name': 'pixels', 'dtype': 'float32', 'shape': ['batch', 64]}],
        [{'name': 'logits', 'dtype': 'float32', 'shape': ['batch', 10]},
         {'name': 'probs', 'dtype': 'float32', 'shape': ['batch', 10]}],
        vectors)


if __name__ == '__main__':
    main()
