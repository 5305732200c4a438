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
/// test image, iGOS++ on that object's box must put most of its mass inside the box and little in the other's.
/// </summary>
[TestFixture]
[Category("Onnx")]
public sealed class OnnxDetectionTargetTests
{
    private static readonly TargetFixtures Fixtures = TargetFixtures.Load();

    private static TargetFixtures.PlantedObject Planted(int index) => Fixtures.Contents.Test[TargetScenarios.Image][index];

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
        foreach (var index in new[] { 0, 1 })
        {
            var score = TargetScenarios.BoxTarget(Planted(index)).Score(output.narrow(0, TargetScenarios.Image, 1)).item<float>();
            score.Should().BeGreaterThan(0.5f, $"object {index} is detected (IoU × objectness × class probability)");
        }
    }

    [TestCase(0)]
    [TestCase(1)]
    public void Explain_IgosPlusPlusOnOneObjectsBox_PutsMostMassInThatBoxAndLittleInTheOther(int index)
    {
        using var model = OnnxModel.Load(Fixtures.ModelPath("detector"));
        using var scope = torch.NewDisposeScope();
        var image = Fixtures.Image(TargetScenarios.Image);
        var (mine, other) = (Planted(index), Planted(1 - index));
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
        inMine.Should().BeGreaterThan(MinMassInBox, "the explanation of a detection lies on the detected object");
        inOther.Should().BeLessThan(MaxMassInOtherBox, "the explanation of one detection does not highlight the other object");
        result.DeletionAuc.Should().BeLessThan(result.InsertionAuc);
    }

    // Bounds from the measured values (see the test's output and docs/targets.md): PLACEHOLDER
    private const double MinMassInBox = 0.3;
    private const double MaxMassInOtherBox = 0.1;
}
