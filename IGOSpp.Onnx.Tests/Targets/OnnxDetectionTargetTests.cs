using FluentAssertions;
using IGOSpp.Metrics;
using IGOSpp.Onnx;
using IGOSpp.Targets;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Onnx.Targets;

/// <summary>
/// A YOLO-style detector end to end: five convolutions and a YOLOv5-style head on an 8×8 grid, trained by
/// tools/target-fixtures/make_target_fixtures.py on 64×64 synthetic images with two planted objects (bright squares and
/// discs on coloured noise) and exported by PyTorch at opset 17. Its raw output before non-maximum suppression is
/// <c>[N, 64, 4+1+2]</c> (<see cref="DetectionLayout.BoxesFirstWithObjectness"/>). For each of the two objects of a
/// test image, iGOS++ on that object's box must concentrate its map inside the box (many times a uniform map's share)
/// and put almost nothing in the other object's box.
/// </summary>
[TestFixture]
[Category("Onnx")]
public sealed class OnnxDetectionTargetTests
{
    private static readonly TargetFixtures Fixtures = TargetFixtures.Load();

    private static TargetFixtures.PlantedObject Planted(int image, int index) => Fixtures.Contents.Test[image][index];

    [Test]
    public void Call_ExportedDetector_MatchesPyTorchAndDetectsBothPlantedObjects()
    {
        using var model = OnnxModel.Load(Fixtures.ModelPath("detector"));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = Fixtures.Tensor("test.input.npy");

        var output = model.call(x);

        output.shape.Should().Equal(4L, 64L, 7L);
        var expected = Fixtures.Tensor("detector.output.npy");
        ((output - expected).abs().max().item<float>() / expected.abs().max().item<float>()).Should().BeLessThan(1e-4f);
        for (var image = 0; image < 4; image++)
        {
            for (var index = 0; index < 2; index++)
            {
                var score = TargetScenarios.BoxTarget(Planted(image, index)).Score(output.narrow(0, image, 1)).item<float>();
                score.Should().BeGreaterThan(0.5f, $"object {index} of image {image} is detected (IoU × objectness × class probability)");
            }
        }
    }

    // Image 0 holds two squares: the same class, so only the box tells the two targets apart. Image 1 a disc and a square.
    [TestCase(0, 0)]
    [TestCase(0, 1)]
    [TestCase(1, 0)]
    [TestCase(1, 1)]
    public void Explain_IgosPlusPlusOnOneObjectsBox_ConcentratesTheMapInThatBoxAndNotInTheOther(int imageIndex, int index)
    {
        using var model = OnnxModel.Load(Fixtures.ModelPath("detector"));
        using var scope = torch.NewDisposeScope();
        var image = Fixtures.Image(imageIndex);
        var (mine, other) = (Planted(imageIndex, index), Planted(imageIndex, 1 - index));
        var target = TargetScenarios.BoxTarget(mine);
        using var explainer = new IgosPlusPlusExplainer(model, TargetScenarios.Igos);

        using var map = explainer.Explain(image, target);

        var inMine = TargetScenarios.MassInBox(map, mine);
        var inOther = TargetScenarios.MassInBox(map, other);
        var result = new InsertionDeletionMetric(model).Evaluate(image, map);
        TestContext.Out.WriteLine($"{target}: score {map.OriginalScore:F3}; mass in its box {inMine:F3} (box {mine.AreaFraction(64):P1} of the image), " +
                                  $"in the other box {inOther:F3} (box {other.AreaFraction(64):P1}); deletion AUC {result.DeletionAuc:F4}, insertion AUC {result.InsertionAuc:F4}");
        map.Target.Should().BeSameAs(target);
        torch.isfinite(map.Saliency).all().item<bool>().Should().BeTrue();
        // Measured (TargetScenarios.Igos): mass in the explained box 0.674, 0.637 (image 0), 0.575, 0.449 (image 1), for
        // boxes of 6.2 %, 5.5 %, 5.5 % and 3.5 % of the image: 10-13 times what a uniform map puts there. Bounds: 0.3, and
        // 5 times the box's share (half the smallest measured ratio), so a map spread over the image fails.
        inMine.Should().BeGreaterThan(0.3, "the explanation of a detection lies on the detected object");
        inMine.Should().BeGreaterThan(5 * mine.AreaFraction(64), "far above the mass a uniform map puts in the box");
        // Measured in the other box: 0.000, 0.015, 0.000, 0.000 (at most 0.24 of that box's share of the image; image 0's
        // second square is 7 pixels below the first). Bound: half of what a uniform map would put there.
        inOther.Should().BeLessThan(0.5 * other.AreaFraction(64), "the explanation of one detection does not highlight the other object");
        result.DeletionAuc.Should().BeLessThan(result.InsertionAuc, "deleting the salient cells first kills the detection faster than inserting them restores it");
    }
}
