#!/usr/bin/python3
"""Writes the PyTorch-made fixtures of IGOSpp.Models.Tests with PyTorch itself.

It reads the C#-written state dict of the tiny TorchVision-shaped network (tiny_net.pt, made by tools/IGOSpp.FixtureGen;
reading it checks that PyTorch accepts IGOSpp's pickles too), loads it into the same network written in PyTorch, and
saves it the two ways PyTorch users do:

    tiny_net.pytorch.pt              torch.save(model.state_dict())
    tiny_net.pytorch.torchscript.pt  torch.jit.save(torch.jit.script(model))

Run with Debian's PyTorch (python3-torch; 1.13 on Debian 12):

    /usr/bin/python3 tools/model-fixtures/make_pytorch_fixtures.py IGOSpp.Models.Tests/Fixtures
"""

import os
import sys

import torch
from torch import nn


class TinyNet(nn.Module):
    """conv1 (3→4, 3×3, pad 1) → bn1 → relu → global average pool → fc (4→3), as ModelFixtures.cs builds it."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def main(directory):
    state = torch.load(os.path.join(directory, "tiny_net.pt"))
    model = TinyNet()
    model.load_state_dict(state)
    model.eval()
    torch.save(model.state_dict(), os.path.join(directory, "tiny_net.pytorch.pt"))
    torch.jit.save(torch.jit.script(model), os.path.join(directory, "tiny_net.pytorch.torchscript.pt"))
    print(f"wrote tiny_net.pytorch.pt and tiny_net.pytorch.torchscript.pt with torch {torch.__version__}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "IGOSpp.Models.Tests/Fixtures")
