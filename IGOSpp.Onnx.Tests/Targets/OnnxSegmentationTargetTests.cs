using FluentAssertions;
using IGOSpp.Metrics;
using IGOSpp.Onnx;
using IGOSpp.Targets;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Onnx.Targets;

/// <summary>
/// A torchvision segmentation network end to end: LRASPP on a MobileNetV3 backbone (width 0.25), trained briefly on the
/// synthetic squares-and-discs world and exported by PyTorch at opset 17 (tools/target-fixtures), imported, checked
/// against PyTorch and explained with a region target by iGOS++ and by Grad-CAM on the backbone's features, as
/// pytorch-grad-cam's segmentation tutorial does.
/// </summary>
[TestFixture]
[Category("Onnx")]
public sealed class OnnxSegmentationTargetTests
{
    private static readonly TargetFixtures Fixtures = TargetFixtures.Load();

    private static TargetFixtures.PlantedObject Planted(int index) => Fixtures.Contents.Test[TargetScenarios.Image][index];

    [Test]
    public void Call_ExportedLraspp_MatchesPyTorchLogitsAndRegionGradient()
    {
        using var model = OnnxModel.Load(Fixtures.ModelPath("segmentation"));
        using var scope = torch.NewDisposeScope();
        var x = Fixtures.Tensor("test.input.npy").requires_grad_();
        var expected = Fixtures.Tensor("segmentation.output.npy");
        var expectedGradient = Fixtures.Tensor("segmentation.grad.npy");

        var logits = model.call(x);
        // The script's gradient: d mean(logit of the first object's class over its planted pixels, image 0) / d input.
        var planted = Fixtures.Contents.Test[0][0];
        var region = PlantedPixels(planted, Fixtures.Contents.Size);
        var score = logits[0, TargetScenarios.SegmentationClass(planted)].masked_select(region).mean();
        var gradient = torch.autograd.grad([score], [x])[0];

        logits.shape.Should().Equal(4L, 3L, 64L, 64L);
        RelativeDifference(logits, expected).Should().BeLessThan(1e-4);
        RelativeDifference(gradient, expectedGradient).Should().BeLessThan(1e-3);
        expectedGradient.abs().max().item<float>().Should().BeGreaterThan(0, "the check must not be trivial");
    }

    [Test]
    public void Explain_IgosPlusPlusWithRegionTarget_GivesAValidMapAndTheMetricCoversThreeTimesTheRegion()
    {
        using var model = OnnxModel.Load(Fixtures.ModelPath("segmentation"));
        using var scope = torch.NewDisposeScope();
        var image = Fixtures.Image(TargetScenarios.Image);
        var planted = Planted(0);
        var region = RegionOf(model, image, planted);
        var target = ExplanationTarget.SegmentationRegion(TargetScenarios.SegmentationClass(planted), region);
        using var explainer = new IgosPlusPlusExplainer(model, TargetScenarios.Igos);

        using var map = explainer.Explain(image, target);
        var result = new InsertionDeletionMetric(model).Evaluate(image, map);

        var mass = TargetScenarios.MassInBox(map, planted);
        TestContext.Out.WriteLine($"{target}: clean score {map.OriginalScore:F4}, mass in box {mass:F3} (box {planted.AreaFraction(64):P1} of the image), " +
                                  $"deletion AUC {result.DeletionAuc:F4}, insertion AUC {result.InsertionAuc:F4}, {result.CoveredCells}/{result.Cells} cells");
        AssertValidMap(map, 16, target);
        map.OriginalScore.Should().BeGreaterThan(0.5, "the network segments the planted object");
        ExpectCoverage(result, target);
        result.DeletionAuc.Should().BeLessThan(result.InsertionAuc, "deleting the salient cells first removes the region's class faster than inserting them restores it");
    }

    [Test]
    public void Explain_GradCamOnTheBackboneWithRegionTarget_GivesAValidMapAndTheMetricRuns()
    {
        var layer = Fixtures.ModelProperty("segmentation", "gradcam_layer");
        using var model = OnnxModel.Load(Fixtures.ModelPath("segmentation"), new OnnxImportOptions { ObservedValues = [layer] });
        using var scope = torch.NewDisposeScope();
        var image = Fixtures.Image(TargetScenarios.Image);
        var planted = Planted(1);
        var region = RegionOf(model, image, planted);
        var target = ExplanationTarget.SegmentationRegion(TargetScenarios.SegmentationClass(planted), region);
        using var explainer = new GradCamExplainer(model, new GradCamOptions { TargetLayer = model.ObservedValueModules[layer] });

        using var map = explainer.Explain(image, target);
        var result = new InsertionDeletionMetric(model).Evaluate(image, map);

        TestContext.Out.WriteLine($"Grad-CAM {target}: mass in box {TargetScenarios.MassInBox(map, planted):F3}, " +
                                  $"deletion AUC {result.DeletionAuc:F4}, insertion AUC {result.InsertionAuc:F4}");
        AssertValidMap(map, 4, target); // LRASPP's high features are at stride 16 (dilated backbone): 4×4 for 64×64
        ExpectCoverage(result, target);
    }

    private static Tensor RegionOf(nn.Module<Tensor, Tensor> model, Tensor image, TargetFixtures.PlantedObject planted)
    {
        using var noGrad = torch.no_grad();
        var region = TargetScenarios.PredictedRegion(model.call(image.unsqueeze(0)), planted);
        region.sum().item<long>().Should().BeGreaterThan(20, "the network finds most of the planted object's pixels");
        return region;
    }

    private static void AssertValidMap(SaliencyMap map, long side, ExplanationTarget target)
    {
        map.Saliency.shape.Should().Equal(side, side);
        map.Target.Should().BeSameAs(target);
        map.ClassId.Should().Be(target.ClassId);
        torch.isfinite(map.Saliency).all().item<bool>().Should().BeTrue();
        map.Mask.Should().BeInRange(0, 1);
        map.Saliency.std().item<float>().Should().BeGreaterThan(1e-3f, "the map is not constant");
    }

    private static void ExpectCoverage(InsertionDeletionResult result, SegmentationRegionTarget target)
    {
        var expected = (int)Math.Ceiling(3.0 * target.PixelCount / (64 * 64) * result.Cells);
        result.CoveredCells.Should().Be(expected, "the metric deletes and inserts about three times the region's area");
        result.CoveredCells.Should().BeLessThan(result.Cells);
        double.IsFinite(result.DeletionAuc).Should().BeTrue();
        double.IsFinite(result.InsertionAuc).Should().BeTrue();
    }

    /// <summary>The planted object's pixels as the script renders them (square: its box; disc: pixel centres within
    /// the radius of the box's centre).</summary>
    private static Tensor PlantedPixels(TargetFixtures.PlantedObject planted, int size)
    {
        var centres = torch.arange(size, dtype: ScalarType.Float32) + 0.5;
        var ys = centres.view(-1, 1).expand(size, size);
        var xs = centres.view(1, -1).expand(size, size);
        if (planted.Class == 0)
            return xs.ge(planted.X1).logical_and(xs.lt(planted.X2)).logical_and(ys.ge(planted.Y1)).logical_and(ys.lt(planted.Y2));
        var (cx, cy, r) = ((planted.X1 + planted.X2) / 2, (planted.Y1 + planted.Y2) / 2, (planted.X2 - planted.X1) / 2);
        return ((xs - cx).square() + (ys - cy).square()).le(r * r);
    }

    private static double RelativeDifference(Tensor actual, Tensor expected) =>
        (actual.detach() - expected).abs().max().item<float>() / Math.Max(expected.abs().max().item<float>(), 1e-12);
}
