#!/usr/bin/python3
"""Writes the ONNX family fixtures of IGOSpp.Onnx.Tests with PyTorch's own exporter.

Every torchvision classifier family is built at a small width with random weights (torch.manual_seed; nothing is
downloaded), exported with torch.onnx.export at each opset the exporter allows (dynamic batch axis), and run once in
PyTorch on a seeded batch of three images to record the logits and d logit[n, c_n] / d input. Besides the families, a
few small "operator" models cover the operators that no family of this torchvision version exports (PRelu, Softplus,
InstanceNormalization, Resize, Einsum, ...), and a tiny segmentation-style network covers Resize to the input size.

Run with Debian's PyTorch (python3-torch, python3-torchvision; 1.13 / 0.14 on Debian 12):

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/onnx-fixtures/make_fixtures.py IGOSpp.Onnx.Tests/Fixtures/Families

Outputs, per model NAME: NAME-opsetK.onnx for each exported opset, NAME.input.npy [3,C,H,W], NAME.logits.npy [3,K],
NAME.grad.npy [3,C,H,W] (float32, little-endian .npy), and one manifest.json describing all of them (also the opsets
the exporter refused and why).
"""

import json
import os
import sys
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torchvision.models import densenet, efficientnet, inception, mobilenetv2, mobilenetv3, regnet, resnet, squeezenet
from torchvision.models import vgg
from torchvision.models.alexnet import AlexNet  # the package's alexnet() and googlenet() hide their modules
from torchvision.models.googlenet import BasicConv2d as GoogLeNetConv, GoogLeNet, Inception as GoogLeNetInception
from torchvision.models.googlenet import InceptionAux as GoogLeNetAux
from torchvision.models.convnext import CNBlockConfig, ConvNeXt
from torchvision.models.maxvit import MaxVit
from torchvision.models.mnasnet import MNASNet
from torchvision.models.shufflenetv2 import ShuffleNetV2
from torchvision.models.swin_transformer import SwinTransformer
from torchvision.models.vision_transformer import VisionTransformer

OPSETS = (13, 17, 18)
BATCH = 3
CLASSES = 10


def scaled_inception(divisor=16):
    """torchvision's Inception3 with every convolution 1/divisor as wide (its own blocks, its own wiring)."""

    def conv_block(in_channels, out_channels, **kwargs):
        scaled_in = in_channels if in_channels == 3 else max(1, in_channels // divisor)
        return inception.BasicConv2d(scaled_in, max(1, out_channels // divisor), **kwargs)

    blocks = [partial(block, conv_block=conv_block) for block in (
        inception.BasicConv2d, inception.InceptionA, inception.InceptionB, inception.InceptionC,
        inception.InceptionD, inception.InceptionE, inception.InceptionAux)]
    blocks[0] = conv_block
    model = inception.Inception3(num_classes=CLASSES, aux_logits=False, transform_input=True, init_weights=False,
                                 inception_blocks=blocks)
    model.fc = nn.Linear(2048 // divisor, CLASSES)
    return he_init(model)


def he_init(model):
    """He-normal convolution weights. PyTorch's default convolution init shrinks the signal at every layer; through
    the ~20 layers of GoogLeNet or Inception-v3 (and SqueezeNet's narrow squeezes) the logits then no longer depend on
    the input (max |d logit / d input| 1e-10 to 1e-7; MNASNet, MobileNet V3 and MaxViT at these widths too), and a
    parity test on them would not notice an importer that ignores its input."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
    return model


class ScaledResNet(resnet.ResNet):
    """torchvision's ResNet with stage widths of its own choosing (its BasicBlock/Bottleneck and _make_layer wiring;
    ResNet's constructor fixes the widths at 64-512)."""

    def __init__(self, block, layers, widths=(4, 8, 16, 32), groups=1, width_per_group=64):
        nn.Module.__init__(self)
        self._norm_layer = nn.BatchNorm2d
        self.inplanes, self.dilation, self.groups, self.base_width = widths[0], 1, groups, width_per_group
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, widths[0], layers[0])
        self.layer2 = self._make_layer(block, widths[1], layers[1], stride=2)
        self.layer3 = self._make_layer(block, widths[2], layers[2], stride=2)
        self.layer4 = self._make_layer(block, widths[3], layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(widths[3] * block.expansion, CLASSES)


def small_vgg11_bn():
    """VGG-11-BN's layer pattern (A) at 1/16 width, with a small classifier on a 1×1 pool (torchvision's is 512·7·7 →
    4096 → 4096)."""
    cfg = [4, "M", 8, "M", 16, 16, "M", 32, 32, "M", 32, 32, "M"]
    model = vgg.VGG(vgg.make_layers(cfg, batch_norm=True), num_classes=CLASSES)
    model.avgpool = nn.AdaptiveAvgPool2d((1, 1))
    model.classifier = nn.Sequential(nn.Linear(32, 32), nn.ReLU(True), nn.Dropout(), nn.Linear(32, 32), nn.ReLU(True),
                                     nn.Dropout(), nn.Linear(32, CLASSES))
    return model


def small_alexnet():
    """AlexNet's five convolutions and three pools at 1/8 width; the 6×6 pool becomes 1×1 (the exporter only writes
    adaptive pooling whose output divides its input, so the 6×6 pool needs 224 px inputs)."""
    model = AlexNet(num_classes=CLASSES)
    model.features = nn.Sequential(
        nn.Conv2d(3, 8, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(8, 24, kernel_size=5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(24, 48, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(48, 32, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(32, 32, kernel_size=3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2))
    model.avgpool = nn.AdaptiveAvgPool2d((1, 1))
    model.classifier = nn.Sequential(nn.Dropout(), nn.Linear(32, 64), nn.ReLU(inplace=True), nn.Dropout(),
                                     nn.Linear(64, 64), nn.ReLU(inplace=True), nn.Linear(64, CLASSES))
    return he_init(model)


def small_squeezenet1_1():
    """SqueezeNet 1.1's layout (its Fire modules, ceil-mode pools, convolutional classifier) at 1/4 width."""
    model = squeezenet.SqueezeNet(version="1_1", num_classes=CLASSES)
    fire = squeezenet.Fire
    model.features = nn.Sequential(
        nn.Conv2d(3, 16, kernel_size=3, stride=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True), fire(16, 4, 16, 16), fire(32, 4, 16, 16),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True), fire(32, 8, 32, 32), fire(64, 8, 32, 32),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True), fire(64, 12, 48, 48), fire(96, 12, 48, 48),
        fire(96, 16, 64, 64), fire(128, 16, 64, 64))
    model.classifier = nn.Sequential(nn.Dropout(p=0.5), nn.Conv2d(128, CLASSES, kernel_size=1), nn.ReLU(inplace=True),
                                     nn.AdaptiveAvgPool2d((1, 1)))
    return he_init(model)


def scaled_googlenet(divisor=16):
    """torchvision's GoogLeNet with every convolution 1/divisor as wide (its Inception blocks and wiring)."""

    def conv_block(in_channels, out_channels, **kwargs):
        scaled_in = in_channels if in_channels == 3 else max(1, in_channels // divisor)
        return GoogLeNetConv(scaled_in, max(1, out_channels // divisor), **kwargs)

    blocks = [conv_block, partial(GoogLeNetInception, conv_block=conv_block), GoogLeNetAux]
    model = GoogLeNet(num_classes=CLASSES, aux_logits=False, transform_input=True, init_weights=False,
                                blocks=blocks)
    model.fc = nn.Linear(1024 // divisor, CLASSES)
    return he_init(model)


def mobilenet_v3_small():
    setting, _ = mobilenetv3._mobilenet_v3_conf("mobilenet_v3_small", width_mult=0.25)
    return mobilenetv3.MobileNetV3(setting[:4], last_channel=64, num_classes=CLASSES)


def efficientnet_b0():
    setting, last = efficientnet._efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.5)
    return efficientnet.EfficientNet(setting[:3], dropout=0.2, last_channel=last, num_classes=CLASSES)


def efficientnet_v2_s():
    setting = [
        efficientnet.FusedMBConvConfig(1, 3, 1, 8, 8, 1),
        efficientnet.FusedMBConvConfig(4, 3, 2, 8, 16, 1),
        efficientnet.MBConvConfig(4, 3, 2, 16, 24, 1),
    ]
    return efficientnet.EfficientNet(setting, dropout=0.2, last_channel=64, num_classes=CLASSES,
                                     norm_layer=partial(nn.BatchNorm2d, eps=1e-3))


def regnet_model(se_ratio):
    params = regnet.BlockParams.from_init_params(depth=3, w_0=8, w_a=8.0, w_m=2.0, group_width=8, se_ratio=se_ratio)
    return regnet.RegNet(params, num_classes=CLASSES, stem_width=8)


class OpsPointwise(nn.Module):
    """PRelu, Softplus, Exp, Log, Abs, Neg, Reciprocal, Min, Max, Tanh, Sqrt, Pow, Einsum, ReduceSum/Max/L2,
    GlobalMaxPool, Squeeze, Tile, Split, Range and Cast in one classifier-shaped network."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.prelu = nn.PReLU(8)
        self.softplus = nn.Softplus(beta=2.0)
        self.mix = nn.Parameter(torch.randn(8, 8))
        self.fc = nn.Linear(8 * 4 + 8, CLASSES)

    def forward(self, x):
        y = self.prelu(self.conv(x))
        a, b = torch.split(y, [3, 5], dim=1)
        b = self.softplus(b)
        a = torch.tanh(a) * torch.exp(-a.abs()) + torch.log(a * a + 1.0) - torch.reciprocal(a.abs() + 1.0)
        y = torch.cat([torch.maximum(a, -a), torch.minimum(b, b.pow(2.0).sqrt() + 0.5)], dim=1)
        y = torch.einsum("nchw,cd->ndhw", y, self.mix)
        ramp = torch.arange(y.shape[-1], device=y.device).to(y.dtype) / y.shape[-1]
        y = y + ramp
        pooled = [F.adaptive_max_pool2d(y, 1).squeeze(3).squeeze(2), y.sum(dim=(2, 3)) / 100.0,
                  y.amax(dim=(2, 3)), torch.norm(y, p=2, dim=(2, 3)) / 10.0]
        tiled = (-y).repeat(1, 2, 1, 1).amax(dim=(2, 3))[:, :8]
        return self.fc(torch.cat(pooled + [tiled], dim=1))


class OpsNormalization(nn.Module):
    """InstanceNormalization, GroupNorm (exported through InstanceNormalization before opset 18) and LayerNorm."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.instance = nn.InstanceNorm2d(8, affine=True)
        self.group = nn.GroupNorm(2, 8)
        self.layer = nn.LayerNorm([8])
        self.fc = nn.Linear(8, CLASSES)

    def forward(self, x):
        y = self.group(F.gelu(self.instance(self.conv(x))))
        y = self.layer(y.permute(0, 2, 3, 1)).mean(dim=(1, 2))
        return self.fc(y)


class OpsResize(nn.Module):
    """Resize: bilinear (half_pixel and align_corners), nearest by scale, bicubic, and bilinear to a size computed from
    the input's shape, as segmentation heads upsample their logits to the image."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(3, 6, 3, stride=2, padding=1)
        self.head = nn.Conv2d(6 * 4, CLASSES, 1)

    def forward(self, x):
        y = self.down(x)
        up = F.interpolate(y, scale_factor=2.0, mode="nearest")
        bilinear = F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)
        corners = F.interpolate(y, size=(x.shape[-2] * 3 // 4, x.shape[-1] * 3 // 4), mode="bilinear", align_corners=True)
        cubic = F.interpolate(y, scale_factor=1.5, mode="bicubic", align_corners=False)
        merged = torch.cat([up, bilinear, F.interpolate(corners, size=x.shape[-2:], mode="nearest"),
                            F.interpolate(cubic, size=x.shape[-2:], mode="bilinear", align_corners=False)], dim=1)
        segmentation = self.head(merged)
        return segmentation.mean(dim=(2, 3))


MODELS = {
    # name: (family, constructor, input [C,H,W])
    "resnet18": ("ResNet-18 (BasicBlock [2,2,2,2], widths 4-32)",
                 lambda: ScaledResNet(resnet.BasicBlock, [2, 2, 2, 2]), (3, 32, 32)),
    "resnet50": ("ResNet-50 (Bottleneck [1,1,1,1], widths 4-32)",
                 lambda: ScaledResNet(resnet.Bottleneck, [1, 1, 1, 1]), (3, 32, 32)),
    "resnext50": ("ResNeXt-50 (Bottleneck, 4 groups of width 16 per 64)",
                  lambda: ScaledResNet(resnet.Bottleneck, [1, 1, 1, 1], groups=4, width_per_group=16), (3, 32, 32)),
    "vgg11_bn": ("VGG-11-BN (1/16 width)", small_vgg11_bn, (3, 32, 32)),
    "alexnet": ("AlexNet (1/8 width)", small_alexnet, (3, 64, 64)),
    "squeezenet1_1": ("SqueezeNet 1.1 (1/4 width)", small_squeezenet1_1, (3, 64, 64)),
    "densenet121": ("DenseNet (growth 4, blocks [2,2], 8 initial features)",
                    lambda: densenet.DenseNet(growth_rate=4, block_config=(2, 2), num_init_features=8, bn_size=2,
                                              num_classes=CLASSES), (3, 32, 32)),
    "googlenet": ("GoogLeNet (1/16 width, transform_input)", scaled_googlenet, (3, 64, 64)),
    "inception_v3": ("Inception-v3 (1/16 width, transform_input)", scaled_inception, (3, 75, 75)),
    "mobilenet_v2": ("MobileNet V2", lambda: mobilenetv2.MobileNetV2(
        num_classes=CLASSES, width_mult=0.25, inverted_residual_setting=[[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 1, 2]]),
        (3, 32, 32)),
    "mobilenet_v3_small": ("MobileNet V3-small", lambda: he_init(mobilenet_v3_small()), (3, 32, 32)),
    "mnasnet": ("MNASNet", lambda: he_init(MNASNet(0.1, num_classes=CLASSES)), (3, 32, 32)),
    "efficientnet_b0": ("EfficientNet B0", efficientnet_b0, (3, 32, 32)),
    "efficientnet_v2_s": ("EfficientNet V2-S", efficientnet_v2_s, (3, 32, 32)),
    "regnet_x": ("RegNet X", lambda: regnet_model(None), (3, 32, 32)),
    "regnet_y": ("RegNet Y", lambda: regnet_model(0.25), (3, 32, 32)),
    "shufflenet_v2": ("ShuffleNetV2", lambda: ShuffleNetV2([1, 1, 1], [8, 16, 32, 64, 64], num_classes=CLASSES),
                      (3, 32, 32)),
    "vit": ("ViT", lambda: VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32,
                                             mlp_dim=64, num_classes=CLASSES), (3, 32, 32)),
    "convnext": ("ConvNeXt", lambda: ConvNeXt([CNBlockConfig(16, 32, 1), CNBlockConfig(32, None, 1)],
                                              num_classes=CLASSES), (3, 32, 32)),
    "swin": ("Swin", lambda: SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 1], num_heads=[2, 2],
                                             window_size=[4, 4], num_classes=CLASSES), (3, 36, 36)),
    "maxvit": ("MaxViT", lambda: he_init(MaxVit(
        input_size=(32, 32), stem_channels=8, partition_size=4, block_channels=[16],
                                        block_layers=[1], head_dim=8, stochastic_depth_prob=0.0,
                                        num_classes=CLASSES)), (3, 32, 32)),
    "ops_pointwise": ("operators: pointwise, reductions, Einsum, Split, Tile, Range", OpsPointwise, (3, 8, 8)),
    "ops_normalization": ("operators: InstanceNorm, GroupNorm, LayerNorm, Gelu", OpsNormalization, (3, 8, 8)),
    "ops_resize": ("operators: Resize (segmentation-style upsampling)", OpsResize, (3, 12, 12)),
}


def randomize_statistics(model):
    """Random affine parameters and running statistics, so normalization layers are not the identity, and random
    weights for layers that torchvision initializes to zero (the ViT head), so no logit is constant."""
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear) and not module.weight.any():
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * 0.2)
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator) * 0.2)
                module.running_var.copy_(torch.rand(module.running_var.shape, generator=generator) + 0.5)
            if isinstance(module, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm, nn.LayerNorm,
                                   nn.modules.instancenorm._InstanceNorm)) and getattr(module, "weight", None) is not None:
                module.weight.copy_(1.0 + torch.randn(module.weight.shape, generator=generator) * 0.2)
                module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * 0.2)


def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype="<f4"))


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    entries = []
    for name, (family, build, shape) in MODELS.items():
        torch.manual_seed(0)
        model = build()
        randomize_statistics(model)
        model.eval()
        x = torch.randn((BATCH,) + shape, generator=torch.Generator().manual_seed(1))
        classes = [(3 * n + 1) % CLASSES for n in range(BATCH)]
        xr = x.clone().requires_grad_(True)
        logits = model(xr)
        score = logits[torch.arange(BATCH), torch.tensor(classes)].sum()
        (grad,) = torch.autograd.grad(score, xr)
        spread = logits.detach().std(0).max().item() / logits.detach().abs().max().item()
        assert spread > 1e-3, f"{name}: the logits barely depend on the input (spread {spread:.1e})"
        save_npy(os.path.join(out_dir, f"{name}.input.npy"), x.numpy())
        save_npy(os.path.join(out_dir, f"{name}.logits.npy"), logits.detach().numpy())
        save_npy(os.path.join(out_dir, f"{name}.grad.npy"), grad.numpy())
        exported, refused = {}, {}
        for opset in OPSETS:
            path = os.path.join(out_dir, f"{name}-opset{opset}.onnx")
            try:
                # Trace with a batch of two so that nothing specific to batch 1 is baked into the graph.
                torch.onnx.export(model, x[:2], path, opset_version=opset, input_names=["input"],
                                  output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                                  do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL)
                exported[str(opset)] = os.path.basename(path)
            except Exception as error:  # the exporter's own refusal, recorded in the manifest
                if os.path.exists(path):
                    os.remove(path)
                refused[str(opset)] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        parameters = sum(p.numel() for p in model.parameters())
        entries.append({"name": name, "family": family, "class": type(model).__name__, "parameters": parameters,
                        "input": list((BATCH,) + shape), "classes": classes, "opsets": exported, "refused": refused})
        print(f"{name}: {parameters} parameters, exported {sorted(exported)}, refused {sorted(refused)}", flush=True)
    manifest = {"exporter": f"torch {torch.__version__}, torchvision {torchvision.__version__}",
                "batch": BATCH, "models": entries}
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "IGOSpp.Onnx.Tests/Fixtures/Families")
