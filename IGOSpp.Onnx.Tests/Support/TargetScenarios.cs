using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Onnx;

/// <summary>
/// The explanations of the end-to-end target tests, written once so that the tests and tools/IGOSpp.TargetFigures
/// (the pictures and figures of docs/targets.md) run exactly the same thing.
/// </summary>
public static class TargetScenarios
{
    /// <summary>The test image of the segmentation tests and of docs/targets.md: a disc (object 0) and a square (object 1).</summary>
    public const int Image = 1;

    /// <summary>
    /// iGOS++ on the 64×64 fixtures: 16×16 cells of 4×4 pixels, 15 iterations of 15 integration steps (the paper's 20 and
    /// 15 are not needed at this size), and L1 = 10 instead of the paper's 1. Measured on the detector's eight test
    /// objects (2026-12, tools/IGOSpp.TargetFigures scenarios): with L1 = 1 the map keeps a faint floor over the whole
    /// image and only 0.14-0.36 of its mass falls in the explained box; with L1 = 10 it is 0.41-0.67 (boxes are 2.4-6.2 %
    /// of the image) and at most 0.015 lands in the other object's box. A detection score is one prediction's
    /// IoU × objectness × class probability, so a small, sparse mask suffices to kill or restore it.
    /// </summary>
    // The paper's right Riemann sum and a full 15-iteration loop: the box scenario was tuned on them, and with the
    // 2026-12-03 defaults (trapezoid S = 10, early stop at 1e-3) the (0, 1) box case no longer concentrates the map;
    // not yet traced (see the issue 19 closing note).
    public static IgosPlusPlusOptions Igos { get; } = new()
    {
        MaskSize = 16, Iterations = 15, IntegrationSteps = 15, L1 = 10, Seed = 1,
        Quadrature = IGOSpp.Integration.QuadratureRule.RightRiemann, EarlyStopTolerance = null,
    };

    /// <summary>The segmentation classes are background, then the planted classes: square = 1, disc = 2.</summary>
    public static long SegmentationClass(TargetFixtures.PlantedObject planted) => 1 + planted.Class;

    /// <summary>The pixels the network labels with the object's class inside the object's box, <c>[H,W]</c> bool (as
    /// pytorch-grad-cam's segmentation tutorial takes the predicted mask of a category). Owned by the current scope.</summary>
    /// <param name="logits">The network's output for the image, <c>[1,K,H,W]</c>.</param>
    /// <param name="planted">The object.</param>
    public static Tensor PredictedRegion(Tensor logits, TargetFixtures.PlantedObject planted)
    {
        var predicted = logits[0].argmax(0).eq(SegmentationClass(planted));
        var box = torch.zeros_like(predicted);
        box[(int)planted.Y1..(int)planted.Y2, (int)planted.X1..(int)planted.X2] = torch.tensor(true);
        return predicted.logical_and(box);
    }

    /// <summary>The detection target of a planted object: its true box and class, on the detector's
    /// <c>[N, 64, 4+1+2]</c> raw output.</summary>
    public static DetectionBoxTarget BoxTarget(TargetFixtures.PlantedObject planted) =>
        ExplanationTarget.DetectionBox(planted.X1, planted.Y1, planted.X2, planted.Y2, planted.Class, DetectionLayout.BoxesFirstWithObjectness);

    /// <summary>The share of the map's mass (its saliency upsampled to the image as the explainers upsample masks,
    /// negative values counted as 0) that lies inside the object's box.</summary>
    public static double MassInBox(SaliencyMap map, TargetFixtures.PlantedObject planted)
    {
        ArgumentNullException.ThrowIfNull(map);
        using var scope = torch.NewDisposeScope();
        var up = map.Upsample().clamp_min(0);
        var inside = up[(int)planted.Y1..(int)planted.Y2, (int)planted.X1..(int)planted.X2].sum();
        return (inside / up.sum().clamp_min(1e-30)).item<float>();
    }
}
