#!/usr/bin/python3
"""Writes tests/pytorch_fixture/: a small CNN's weights made by PyTorch, and
PyTorch's embeddings of a few inputs, for the import tests
(framework/train/weights_import_test.cc, framework/io/npz_test.cc).

PyTorch is not part of this repository and is never built into it or run by a
test. Run with Debian's python3-torch (1.13) and python3-numpy, not a pyenv
python:

    apt-get install -y python3-torch python3-numpy
    /usr/bin/python3 tools/pytorch_fixture/make_fixture.py

The network mirrors the framework's "cnn" encoder (plugins/encoders/common/
conv_encoder.h) for the encoder of kFixtureEncoder in
framework/train/weights_import_test.cc:
inputs [1, 8, 8]; conv blocks of 4 and 8 channels, 3x3 "same" convolutions
without bias, batch norm (eps 1e-5, eval mode: running statistics), ReLU and a
2x2 max pool; flatten (PyTorch's NCHW order, which the framework's first
Linear follows); fc 32 -> 16, ReLU; out 16 -> 8; L2 normalization. The
state_dict keeps PyTorch's nn.Sequential names ("features.0.weight", ...),
which the experiment's init.name_map renames to the framework's.

Files (all little-endian float32 unless noted):
  fixture.safetensors  the state_dict (num_batches_tracked as I64), with
                       __metadata__ {"format": "pt"}; written by hand after
                       the format's spec (the safetensors package is not in
                       Debian 12)
  fixture.npz          the float tensors, by numpy.savez (stored entries)
  fixture_deflated.npz the same, by numpy.savez_compressed (deflate)
  inputs.npy           [5, 1, 8, 8] inputs
  embeddings.npy       [5, 8] PyTorch's embeddings of them
"""
import collections
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                   "pytorch_fixture")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(4, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
            nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 8))

    def forward(self, x):
        return nn.functional.normalize(self.head(self.features(x)), dim=1)


def write_safetensors(path, state, metadata):
    dtypes = {torch.float32: "F32", torch.int64: "I64"}
    header = collections.OrderedDict([("__metadata__", metadata)])
    blobs, offset = [], 0
    for name, t in state.items():
        data = t.detach().contiguous().numpy().tobytes()  # host order: little-endian (main)
        header[name] = {"dtype": dtypes[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    assert sys.byteorder == "little", "safetensors data is little-endian"
    torch.manual_seed(14)
    net = Net()
    with torch.no_grad():
        # Non-trivial batch-norm parameters and statistics, so that a
        # mistake in loading any of them changes the embeddings.
        for bn in (net.features[1], net.features[5]):
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.normal_(0, 0.1)
            bn.running_mean.normal_(0, 0.2)
            bn.running_var.uniform_(0.5, 2.0)
            bn.num_batches_tracked.fill_(100)
    net.eval()
    inputs = torch.randn(5, 1, 8, 8)
    with torch.no_grad():
        embeddings = net(inputs)
    os.makedirs(OUT, exist_ok=True)
    state = net.state_dict()
    write_safetensors(os.path.join(OUT, "fixture.safetensors"), state,
                      {"format": "pt", "made_by": "tools/pytorch_fixture/make_fixture.py"})
    floats = {k: v.numpy() for k, v in state.items() if v.dtype == torch.float32}
    np.savez(os.path.join(OUT, "fixture.npz"), **floats)
    np.savez_compressed(os.path.join(OUT, "fixture_deflated.npz"), **floats)
    np.save(os.path.join(OUT, "inputs.npy"), inputs.numpy())
    np.save(os.path.join(OUT, "embeddings.npy"), embeddings.numpy())
    print("torch", torch.__version__, "numpy", np.__version__)
    for k, v in state.items():
        print(f"{k:32s} {list(v.shape)}")
    print("embeddings[0]", embeddings[0].numpy())


if __name__ == "__main__":
    main()
