#!/usr/bin/python3
"""Trains and exports the models of the end-to-end target tests (IGOSpp.Onnx.Tests/Fixtures/Targets).

Every model sees the same synthetic world: 64×64 RGB images of smooth coloured noise (values about 0.2-0.6) with two
planted bright objects (every channel in [0.75, 1]), each a square (class 0) or a disc (class 1) of 10-16 pixels,
never touching. Everything is seeded (SEED below, one torch.Generator per model and one numpy Generator for the
objects); nothing is downloaded. The models, all exported by torch.onnx.export at opset 17 with a dynamic batch axis:

- segmentation: torchvision's LRASPP (its own head) on a MobileNetV3-large backbone at width 0.25 (dilated, as
  torchvision's lraspp_mobilenet_v3_large builds it), trained briefly to label pixels background / square / disc;
  output per-pixel logits [N,3,64,64].
- detector: a small convolutional detector with a YOLOv5-style head on an 8×8 grid (stride 8, one anchor of 12 px):
  raw output before non-maximum suppression [N, 64, 4+1+2] = cx, cy, w, h in input pixels, objectness and the two
  class probabilities (sigmoids), DetectionLayout.BoxesFirstWithObjectness in IGOSpp.
- multilabel: a small CNN with two logits, "there is a square" and "there is a disc" (sigmoid targets).
- regression: a small CNN with one output, the total area of the planted objects in hundreds of pixels.

For each model the script writes NAME.onnx, and for the four seeded test images (test.input.npy [4,3,64,64], their
objects in manifest.json) the PyTorch outputs NAME.output.npy; for the segmentation network also the input gradient
of the mean square-class logit over the first object's true pixels (segmentation.grad.npy), so the importer is checked
backwards too. manifest.json records the training figures (detection recall and precision, pixel accuracy, ...).

Run with Debian's PyTorch (python3-torch, python3-torchvision; 1.13 / 0.14 on Debian 12); training takes about ten
minutes on two shared cores (train_seconds in the manifest):

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/target-fixtures/make_target_fixtures.py IGOSpp.Onnx.Tests/Fixtures/Targets
"""

import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torchvision.models import mobilenetv3
from torchvision.models._utils import IntermediateLayerGetter
from torchvision.models.segmentation.lraspp import LRASPP

SEED = 2026
SIZE = 64
CLASSES = 2  # 0 = square, 1 = disc
OPSET = 17
STRIDE = 8
ANCHOR = 12.0


# ----------------------------------------------------------------------------------------------------------- data ---

def sample_objects(rng):
    """Two non-touching objects: (x1, y1, side, class) with integer corners; boxes are [x1, x1 + side)."""
    while True:
        objects = []
        for _ in range(2):
            side = int(rng.integers(10, 17))
            x1, y1 = (int(v) for v in rng.integers(1, SIZE - side, size=2))
            objects.append((x1, y1, side, int(rng.integers(0, CLASSES))))
        (ax, ay, asz, _), (bx, by, bsz, _) = objects
        apart = ax + asz + 2 <= bx or bx + bsz + 2 <= ax or ay + asz + 2 <= by or by + bsz + 2 <= ay
        if apart:
            return objects


def render(objects_per_image, generator):
    """Images [N,3,64,64] and per-pixel labels [N,64,64] (0 background, 1 + class inside an object)."""
    n = len(objects_per_image)
    coarse = F.interpolate(torch.rand(n, 3, 8, 8, generator=generator), size=SIZE, mode="bilinear", align_corners=False)
    medium = F.interpolate(torch.rand(n, 3, 16, 16, generator=generator), size=SIZE, mode="bilinear", align_corners=False)
    images = 0.2 + 0.25 * coarse + 0.1 * medium + 0.05 * torch.rand(n, 3, SIZE, SIZE, generator=generator)
    labels = torch.zeros(n, SIZE, SIZE, dtype=torch.long)
    ys, xs = torch.meshgrid(torch.arange(SIZE) + 0.5, torch.arange(SIZE) + 0.5, indexing="ij")
    for i, objects in enumerate(objects_per_image):
        for x1, y1, side, cls in objects:
            if cls == 0:
                inside = (xs >= x1) & (xs < x1 + side) & (ys >= y1) & (ys < y1 + side)
            else:
                cx, cy, r = x1 + side / 2, y1 + side / 2, side / 2
                inside = (xs - cx) ** 2 + (ys - cy) ** 2 <= r * r
            colour = 0.75 + 0.25 * torch.rand(3, 1, generator=generator)
            images[i][:, inside] = colour.expand(3, int(inside.sum()))
            labels[i][inside] = 1 + cls
    return images.clamp(0, 1), labels


class World:
    """Seeded batches of the synthetic world."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.generator = torch.Generator().manual_seed(seed)

    def batch(self, n):
        objects = [sample_objects(self.rng) for _ in range(n)]
        images, labels = render(objects, self.generator)
        return images, labels, objects


# --------------------------------------------------------------------------------------------------------- models ---

def lraspp_tiny():
    """torchvision's lraspp_mobilenet_v3_large at width 0.25 (same construction, smaller)."""
    setting, last_channel = mobilenetv3._mobilenet_v3_conf("mobilenet_v3_large", width_mult=0.25, dilated=True)
    backbone = mobilenetv3.MobileNetV3(setting, last_channel).features
    stage_indices = [0] + [i for i, b in enumerate(backbone) if getattr(b, "_is_cn", False)] + [len(backbone) - 1]
    low_pos, high_pos = stage_indices[-4], stage_indices[-1]
    low_channels, high_channels = backbone[low_pos].out_channels, backbone[high_pos].out_channels
    backbone = IntermediateLayerGetter(backbone, return_layers={str(low_pos): "low", str(high_pos): "high"})
    return LRASPP(backbone, low_channels, high_channels, num_classes=1 + CLASSES, inter_channels=32)


class OutOnly(nn.Module):
    """torchvision's segmentation models return {"out": logits}; the export returns the tensor."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


def conv(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1))


class TinyYolo(nn.Module):
    """Five convolutions to an 8×8 grid, a 1×1 head of 4+1+K values per cell, decoded as YOLOv5 does:
    cx = (2σ(tx) − 0.5 + gx)·stride, w = (2σ(tw))²·anchor, objectness and classes σ."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(conv(3, 16, 2), conv(16, 32, 2), conv(32, 32, 1), conv(32, 64, 2), conv(64, 64, 1))
        self.head = nn.Conv2d(64, 5 + CLASSES, 1)
        cells = SIZE // STRIDE
        gy, gx = torch.meshgrid(torch.arange(cells), torch.arange(cells), indexing="ij")
        self.register_buffer("grid", torch.stack([gx, gy], -1).reshape(1, cells * cells, 2).float())

    def raw(self, x):
        p = self.head(self.features(x))  # [N, 7, 8, 8]
        return p.permute(0, 2, 3, 1).reshape(x.shape[0], -1, 5 + CLASSES)

    def decode(self, p):
        xy = (torch.sigmoid(p[..., 0:2]) * 2 - 0.5 + self.grid) * STRIDE
        wh = (torch.sigmoid(p[..., 2:4]) * 2) ** 2 * ANCHOR
        return torch.cat([xy, wh, torch.sigmoid(p[..., 4:])], -1)

    def forward(self, x):
        return self.decode(self.raw(x))


class SmallCnn(nn.Module):
    def __init__(self, outputs, pool):
        super().__init__()
        self.features = nn.Sequential(conv(3, 16, 2), conv(16, 32, 2), conv(32, 32, 1), nn.Conv2d(32, 32, 3, 1, 1), nn.ReLU())
        self.pool = pool
        self.fc = nn.Linear(32, outputs)

    def forward(self, x):
        y = self.features(x)
        y = F.adaptive_max_pool2d(y, 1) if self.pool == "max" else F.adaptive_avg_pool2d(y, 1)
        return self.fc(y.flatten(1))


# ------------------------------------------------------------------------------------------------------- training ---

def box_iou(a, b):
    """IoU of corner boxes a [M,4] and b [M,4] (row by row)."""
    ix = (torch.minimum(a[:, 2], b[:, 2]) - torch.maximum(a[:, 0], b[:, 0])).clamp(min=0)
    iy = (torch.minimum(a[:, 3], b[:, 3]) - torch.maximum(a[:, 1], b[:, 1])).clamp(min=0)
    inter = ix * iy
    union = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    return inter / union.clamp(min=1e-9)


def corners(cxcywh):
    cx, cy, w, h = cxcywh.unbind(-1)
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], -1)


def detector_loss(model, images, objects):
    raw = model.raw(images)
    decoded = model.decode(raw)
    cells = SIZE // STRIDE
    obj_target = torch.zeros(raw.shape[:2])
    rows, cols, boxes, classes = [], [], [], []
    for i, objs in enumerate(objects):
        for x1, y1, side, cls in objs:
            cx, cy = x1 + side / 2, y1 + side / 2
            cell = int(cy // STRIDE) * cells + int(cx // STRIDE)
            rows.append(i)
            cols.append(cell)
            boxes.append([x1, y1, x1 + side, y1 + side])
            classes.append(cls)
            obj_target[i, cell] = 1
    rows, cols = torch.tensor(rows), torch.tensor(cols)
    truth = torch.tensor(boxes, dtype=torch.float32)
    predicted = corners(decoded[rows, cols, :4])
    box_loss = (1 - box_iou(predicted, truth)).mean() + (predicted - truth).abs().mean() / STRIDE
    obj_loss = F.binary_cross_entropy_with_logits(raw[..., 4], obj_target)
    cls_loss = F.binary_cross_entropy_with_logits(raw[rows, cols, 5:], F.one_hot(torch.tensor(classes), CLASSES).float())
    return box_loss + 5 * obj_loss + cls_loss


def detections(output, threshold=0.5):
    """Per image: the predictions with objectness × class probability ≥ threshold after a simple NMS (IoU 0.5)."""
    result = []
    for rows in output:
        scores, classes = (rows[:, 4:5] * rows[:, 5:]).max(1)
        keep = torchvision.ops.nms(corners(rows[:, :4]), scores, 0.5)
        keep = keep[scores[keep] >= threshold]
        result.append([(corners(rows[k, :4]).tolist(), int(classes[k]), float(scores[k])) for k in keep])
    return result


def detection_quality(model, world, n=256):
    """Recall and precision at IoU ≥ 0.5, right class, score ≥ 0.5."""
    images, _, objects = world.batch(n)
    with torch.no_grad():
        found = detections(model(images))
    hits, predicted = 0, sum(len(f) for f in found)
    for objs, dets in zip(objects, found):
        for x1, y1, side, cls in objs:
            truth = torch.tensor([[x1, y1, x1 + side, y1 + side]], dtype=torch.float32)
            if any(c == cls and box_iou(torch.tensor([b]), truth).item() >= 0.5 for b, c, _ in dets):
                hits += 1
    total = 2 * n
    return hits / total, hits / max(predicted, 1)


def train(name, model, loss_of_batch, steps, lr, seed, batch=32):
    torch.manual_seed(seed)
    world = World(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    model.train()
    start = time.time()
    for step in range(steps):
        images, labels, objects = world.batch(batch)
        loss = loss_of_batch(model, images, labels, objects)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 200 == 0 or step == steps - 1:
            print(f"{name} step {step}: loss {loss.item():.4f}", flush=True)
    model.eval()
    return time.time() - start


# --------------------------------------------------------------------------------------------------------- export ---

def save_npy(path, array):
    np.save(path, np.ascontiguousarray(array, dtype="<f4"))


def export(model, path, example, output_name):
    torch.onnx.export(model, example, path, opset_version=OPSET, input_names=["input"], output_names=[output_name],
                      dynamic_axes={"input": {0: "N"}, output_name: {0: "N"}}, do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)


def lraspp_high_features(path):
    """The ONNX value that LRASPP's head reads as its high-level features (the backbone's last output): Grad-CAM's layer."""
    import onnx

    graph = onnx.load(path).graph
    for node in graph.node:
        if node.op_type == "Conv" and "/classifier/cbr" in node.name:
            return node.input[0]
    raise RuntimeError("LRASPP's cbr convolution was not found in the exported graph")


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(2)
    manifest = {"exporter": f"torch {torch.__version__}, torchvision {torchvision.__version__}", "opset": OPSET,
                "seed": SEED, "size": SIZE, "classes": ["square", "disc"], "models": {}}

    test_world = World(SEED + 100)
    test_images, test_labels, test_objects = test_world.batch(4)
    save_npy(os.path.join(out_dir, "test.input.npy"), test_images.numpy())
    manifest["test"] = [[{"box": [x1, y1, x1 + side, y1 + side], "class": cls} for x1, y1, side, cls in objs]
                        for objs in test_objects]

    # Segmentation -------------------------------------------------------------------------------------------------
    torch.manual_seed(SEED)
    segmentation = OutOnly(lraspp_tiny())
    seconds = train("segmentation", segmentation,
                    lambda m, x, labels, _: F.cross_entropy(m(x), labels, weight=torch.tensor([0.2, 1.0, 1.0])),
                    steps=700, lr=1e-2, seed=SEED + 1, batch=16)
    images, labels, _ = World(SEED + 200).batch(128)
    with torch.no_grad():
        predicted = segmentation(images).argmax(1)
    accuracy = float((predicted == labels).float().mean())
    object_iou = [float(((predicted == k) & (labels == k)).sum() / ((predicted == k) | (labels == k)).sum()) for k in (1, 2)]
    path = os.path.join(out_dir, "segmentation.onnx")
    export(segmentation, path, test_images[:2], "logits")
    x = test_images.clone().requires_grad_(True)
    logits = segmentation(x)
    region = test_labels[0] > 0  # the true pixels of both objects of image 0; the gradient is of image 0's first object
    x1, y1, side, cls = test_objects[0][0]
    first = torch.zeros(SIZE, SIZE, dtype=torch.bool)
    first[y1:y1 + side, x1:x1 + side] = True
    first &= region
    (grad,) = torch.autograd.grad(logits[0, 1 + cls][first].mean(), x)
    save_npy(os.path.join(out_dir, "segmentation.output.npy"), logits.detach().numpy())
    save_npy(os.path.join(out_dir, "segmentation.grad.npy"), grad.numpy())
    manifest["models"]["segmentation"] = {
        "file": "segmentation.onnx", "architecture": "torchvision LRASPP, MobileNetV3-large width 0.25, dilated",
        "parameters": sum(p.numel() for p in segmentation.parameters()), "train_seconds": round(seconds, 1),
        "pixel_accuracy": round(accuracy, 4), "iou_square": round(object_iou[0], 4), "iou_disc": round(object_iou[1], 4),
        "gradcam_layer": lraspp_high_features(path),
        "grad": "d mean(logits[0, 1 + class][first object's true pixels]) / d input"}
    print("segmentation:", manifest["models"]["segmentation"], flush=True)

    # Detector -----------------------------------------------------------------------------------------------------
    torch.manual_seed(SEED)
    detector = TinyYolo()
    seconds = train("detector", detector, lambda m, x, _, objects: detector_loss(m, x, objects),
                    steps=2500, lr=5e-3, seed=SEED + 2)
    recall, precision = detection_quality(detector, World(SEED + 300))
    export(detector, os.path.join(out_dir, "detector.onnx"), test_images[:2], "detections")
    with torch.no_grad():
        output = detector(test_images)
    save_npy(os.path.join(out_dir, "detector.output.npy"), output.numpy())
    manifest["models"]["detector"] = {
        "file": "detector.onnx", "architecture": "5 convolutions, YOLOv5-style head, 8x8 grid, stride 8, anchor 12 px",
        "layout": "[N, 64, 4+1+2] cx, cy, w, h (pixels), objectness, p(square), p(disc)",
        "parameters": sum(p.numel() for p in detector.parameters()), "train_seconds": round(seconds, 1),
        "recall": round(recall, 4), "precision": round(precision, 4),
        "test_detections": detections(output)}
    print("detector:", {k: v for k, v in manifest["models"]["detector"].items() if k != "test_detections"}, flush=True)

    # Multi-label classifier ---------------------------------------------------------------------------------------
    def present(objects):
        return torch.tensor([[float(any(o[3] == k for o in objs)) for k in range(CLASSES)] for objs in objects])

    torch.manual_seed(SEED)
    multilabel = SmallCnn(CLASSES, "max")
    seconds = train("multilabel", multilabel,
                    lambda m, x, _, objects: F.binary_cross_entropy_with_logits(m(x), present(objects)),
                    steps=1000, lr=5e-3, seed=SEED + 3)
    images, _, objects = World(SEED + 400).batch(256)
    with torch.no_grad():
        accuracy = float(((multilabel(images) > 0).float() == present(objects)).float().mean())
    export(multilabel, os.path.join(out_dir, "multilabel.onnx"), test_images[:2], "logits")
    with torch.no_grad():
        save_npy(os.path.join(out_dir, "multilabel.output.npy"), multilabel(test_images).numpy())
    manifest["models"]["multilabel"] = {
        "file": "multilabel.onnx", "outputs": "logits [N,2]: a square is present, a disc is present",
        "parameters": sum(p.numel() for p in multilabel.parameters()), "train_seconds": round(seconds, 1),
        "label_accuracy": round(accuracy, 4)}
    print("multilabel:", manifest["models"]["multilabel"], flush=True)

    # Regression ---------------------------------------------------------------------------------------------------
    def areas(labels):
        return (labels > 0).flatten(1).sum(1).float().unsqueeze(1) / 100.0

    torch.manual_seed(SEED)
    regression = SmallCnn(1, "avg")
    seconds = train("regression", regression, lambda m, x, labels, _: F.mse_loss(m(x), areas(labels)),
                    steps=1000, lr=5e-3, seed=SEED + 4)
    images, labels, _ = World(SEED + 500).batch(256)
    with torch.no_grad():
        error = float((regression(images) - areas(labels)).abs().mean())
    export(regression, os.path.join(out_dir, "regression.onnx"), test_images[:2], "area")
    with torch.no_grad():
        save_npy(os.path.join(out_dir, "regression.output.npy"), regression(test_images).numpy())
    manifest["models"]["regression"] = {
        "file": "regression.onnx", "outputs": "[N,1]: total object area in hundreds of pixels",
        "parameters": sum(p.numel() for p in regression.parameters()), "train_seconds": round(seconds, 1),
        "mean_absolute_error": round(error, 4), "test_areas": areas(test_labels).squeeze(1).tolist()}
    print("regression:", manifest["models"]["regression"], flush=True)

    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "IGOSpp.Onnx.Tests/Fixtures/Targets")
