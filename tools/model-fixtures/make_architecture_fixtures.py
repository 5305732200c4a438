#!/usr/bin/python3
"""Writes the TorchVision fixtures of KnownArchitectures (IGOSpp.Models) with TorchVision itself.

    torchvision_state_dicts.json   for every architecture KnownArchitectures offers, at full width and 1000 classes:
                                   the state dict's keys in order with each tensor's shape and dtype
    NAME.pt                        the state dict (torch.save) of a narrow network built from TorchVision's own
                                   classes (ResNet._make_layer with BasicBlock/Bottleneck, VGG with make_layers), with
                                   seeded weights and batch-norm statistics from three training-mode passes
    NAME.input.npy                 a seeded input [2,3,32,32], float32
    NAME.logits.npy                the network's output in eval mode [2,10]
    NAME.grad.npy                  the gradient of logits[:, 1].sum() with respect to the input [2,3,32,32]

The narrow networks are TorchVision's architectures with the base width (64 channels) replaced by a small one; the C#
side builds them with KnownArchitectures' internal width parameter. The state dict is a .safetensors file instead of
.pt when the safetensors package is installed.

Run with Debian's PyTorch (python3-torch, python3-torchvision; 1.13 and 0.14 on Debian 12):

    /usr/bin/python3 tools/model-fixtures/make_architecture_fixtures.py IGOSpp.Models.Tests/Fixtures/architectures
"""

import json
import os
import sys

import numpy as np
import torch
import torchvision
from torch import nn
from torchvision import models
from torchvision.models import resnet, vgg

# The names of KnownArchitectures.Names, in its order.
ARCHITECTURES = [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2",
    "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
]

SEED = 20261202
CLASSES = 10


class NarrowResNet(resnet.ResNet):
    """torchvision.models.resnet.ResNet with `width` channels where TorchVision has 64 (stem and layer1; layers 2-4
    double it each), built by TorchVision's own _make_layer and blocks; forward is ResNet's."""

    def __init__(self, block, layers, width, num_classes, groups=1, width_per_group=64):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes = width
        self.dilation = 1
        self.groups = groups
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, width, layers[0])
        self.layer2 = self._make_layer(block, width * 2, layers[1], stride=2)
        self.layer3 = self._make_layer(block, width * 4, layers[2], stride=2)
        self.layer4 = self._make_layer(block, width * 8, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width * 8 * block.expansion, num_classes)


class NarrowVGG(vgg.VGG):
    """torchvision.models.vgg.VGG whose convolutions have width/64 of TorchVision's channels and whose two hidden
    linear layers have width * 64 units (TorchVision: 4096 at width 64)."""

    def __init__(self, cfg, batch_norm, width, num_classes):
        nn.Module.__init__(self)
        scaled = [v if v == "M" else v * width // 64 for v in vgg.cfgs[cfg]]
        self.features = vgg.make_layers(scaled, batch_norm=batch_norm)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        hidden = width * 64
        self.classifier = nn.Sequential(
            nn.Linear(scaled[-2] * 7 * 7, hidden), nn.ReLU(True), nn.Dropout(p=0.5),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(p=0.5),
            nn.Linear(hidden, num_classes))


# Narrow fixtures: file name -> (KnownArchitectures name, width, builder).
NARROW = {
    "resnet18_w4": ("resnet18", 4, lambda: NarrowResNet(resnet.BasicBlock, [2, 2, 2, 2], 4, CLASSES)),
    "resnet50_w4": ("resnet50", 4, lambda: NarrowResNet(resnet.Bottleneck, [3, 4, 6, 3], 4, CLASSES)),
    "vgg11_bn_w1": ("vgg11_bn", 1, lambda: NarrowVGG("A", True, 1, CLASSES)),
}


def manifest(directory):
    result = {}
    for name in ARCHITECTURES:
        model = getattr(models, name)()
        result[name] = [[key, list(t.shape), str(t.dtype).replace("torch.", "")] for key, t in model.state_dict().items()]
    path = os.path.join(directory, "torchvision_state_dicts.json")
    with open(path, "w") as f:
        # One architecture per line, compact: the file stays small and a diff shows which architecture changed.
        f.write("{\n" + ",\n".join(f"{json.dumps(n)}: {json.dumps(result[n], separators=(',', ':'))}" for n in ARCHITECTURES) + "\n}\n")
    print(f"wrote {path}: {sum(len(v) for v in result.values())} keys of {len(result)} architectures")


def save_state_dict(state, path_without_extension):
    try:
        from safetensors.torch import save_file
    except ImportError:
        path = path_without_extension + ".pt"
        torch.save(state, path)
        return path
    path = path_without_extension + ".safetensors"
    save_file({k: v.contiguous() for k, v in state.items()}, path)
    return path


def narrow(directory):
    for index, (file, (architecture, width, build)) in enumerate(NARROW.items()):
        torch.manual_seed(SEED + index)
        model = build()
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.weight.uniform_(0.5, 1.5)
                    module.bias.normal_(0, 0.1)
        # Non-trivial running statistics and num_batches_tracked = 3 from three training-mode passes.
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(4, 3, 32, 32))
        model.eval()

        x = torch.rand(2, 3, 32, 32, requires_grad=True)
        logits = model(x)
        logits[:, 1].sum().backward()
        weights = save_state_dict(model.state_dict(), os.path.join(directory, file))
        np.save(os.path.join(directory, f"{file}.input.npy"), x.detach().numpy().astype(np.float32))
        np.save(os.path.join(directory, f"{file}.logits.npy"), logits.detach().numpy().astype(np.float32))
        np.save(os.path.join(directory, f"{file}.grad.npy"), x.grad.numpy().astype(np.float32))
        print(f"wrote {weights} ({architecture} at width {width}, {sum(p.numel() for p in model.parameters())} parameters) and its .npy files")


def main(directory):
    os.makedirs(directory, exist_ok=True)
    manifest(directory)
    narrow(directory)
    print(f"with torch {torch.__version__}, torchvision {torchvision.__version__}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "IGOSpp.Models.Tests/Fixtures/architectures")
