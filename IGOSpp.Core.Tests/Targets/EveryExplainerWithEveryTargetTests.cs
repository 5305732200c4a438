using FluentAssertions;
using IGOSpp.Metrics;
using IGOSpp.Targets;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Targets;

/// <summary>
/// Every explainer with every built-in target it can take, on small models of each output kind (class logits [N,3],
/// per-pixel logits [N,2,16,16], YOLO-style raw detections [N,16,4+1+2]): the map has the method's shape, finite
/// values, the target it was given and its class, and the clean score is the target's score of the clean image. The
/// metric scores every map with the same target.
/// </summary>
public sealed class EveryExplainerWithEveryTargetTests
{
    private const int Size = 16;

    public static IEnumerable<TestCaseData> Cases()
    {
        string[] explainers = ["iGOS++", "iGOS+", "I-GOS", "Mask", "Integrated Gradients", "Grad-CAM", "RISE"];
        string[] targets = ["probability", "logit", "sigmoid", "top", "regression", "function", "segmentation", "detection"];
        foreach (var e in explainers)
            foreach (var t in targets)
                yield return new TestCaseData(e, t).SetName($"Explain_{e.Replace(" ", "").Replace("+", "p").Replace("-", "")}_{t}");
    }

    [TestCaseSource(nameof(Cases))]
    public void Explain_MapIsValidAndCarriesTheTarget(string method, string targetKind)
    {
        using var scope = torch.NewDisposeScope();
        using var model = ModelFor(targetKind);
        torch.manual_seed(17);
        var image = torch.rand(3, Size, Size);
        var target = TargetFor(targetKind);
        using var explainer = Create(method, model);

        using var map = explainer.Explain(image, target);

        map.Saliency.dim().Should().Be(2);
        torch.isfinite(map.Saliency).all().item<bool>().Should().BeTrue();
        map.Mask.Should().BeInRange(0, 1);
        if (targetKind == "top") map.Target.Should().BeOfType<ClassTarget>();
        else map.Target.Should().BeSameAs(target);
        map.ClassId.Should().Be(map.Target.ClassId ?? -1);
        using (torch.no_grad())
            map.OriginalScore.Should().BeApproximately(map.Target.Score(model.call(image.unsqueeze(0))).item<float>(), 1e-5);

        var result = new InsertionDeletionMetric(model).Evaluate(image, map);
        result.Target.Should().BeSameAs(map.Target);
        double.IsFinite(result.DeletionAuc).Should().BeTrue();
        double.IsFinite(result.InsertionAuc).Should().BeTrue();
        result.DeletionCurve[0].Should().BeApproximately(map.OriginalScore, 1e-5, "the deletion curve starts at the intact image");
    }

    [Test]
    public void ExplainBatch_EachImageItsOwnTarget_EqualsEachImageAlone()
    {
        using var scope = torch.NewDisposeScope();
        using var model = ModelFor("segmentation");
        torch.manual_seed(18);
        var images = torch.rand(2, 3, Size, Size);
        var region = torch.zeros(Size, Size, ScalarType.Bool);
        region[4..8, 4..8] = torch.tensor(true);
        ExplanationTarget[] targets = [ExplanationTarget.SegmentationRegion(1, region), ExplanationTarget.SegmentationRegion(0, region.logical_not())];
        using var explainer = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 4, Iterations = 3, IntegrationSteps = 4, Seed = 2 });

        var maps = explainer.Explain(images, targets);
        using var first = explainer.Explain(images[0], targets[0]);
        using var second = explainer.Explain(images[1], targets[1]);

        maps[0].Mask.Should().BeEqualTo(first.Mask);
        maps[1].Mask.Should().BeEqualTo(second.Mask);
        maps[1].Target.Should().BeSameAs(targets[1]);
        foreach (var m in maps) m.Dispose();
    }

    private static IExplainer Create(string method, nn.Module<Tensor, Tensor> model) => method switch
    {
        "iGOS++" => new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 4, Iterations = 2, IntegrationSteps = 3, Seed = 1 }),
        "iGOS+" => new IgosPlusExplainer(model, new IgosPlusOptions { MaskSize = 4, Iterations = 2, IntegrationSteps = 3, Seed = 1 }),
        "I-GOS" => new IgosExplainer(model, new IgosOptions { MaskSize = 4, Iterations = 2, IntegrationSteps = 3, Seed = 1 }),
        "Mask" => new MeaningfulPerturbationExplainer(model, new MeaningfulPerturbationOptions { MaskSize = 4, Iterations = 3, Seed = 1 }),
        "Integrated Gradients" => new IntegratedGradientsExplainer(model, new IntegratedGradientsOptions { IntegrationSteps = 4 }),
        "Grad-CAM" => new GradCamExplainer(model),
        _ => new RiseExplainer(model, new RiseOptions { MaskCount = 16, Seed = 1 }),
    };

    private static nn.Module<Tensor, Tensor> ModelFor(string targetKind) => targetKind switch
    {
        "segmentation" => new SegmentationNet(),
        "detection" => new DetectionNet(),
        _ => TestModels.SmoothCnn(channels: 3, classes: 3),
    };

    private static ExplanationTarget TargetFor(string kind)
    {
        var region = torch.zeros(Size, Size, ScalarType.Bool);
        region[4..10, 6..12] = torch.tensor(true);
        return kind switch
        {
            "probability" => ExplanationTarget.ClassProbability(2),
            "logit" => ExplanationTarget.ClassLogit(2),
            "sigmoid" => ExplanationTarget.ClassSigmoid(1),
            "top" => ExplanationTarget.TopClass(),
            "regression" => ExplanationTarget.Regression(1),
            "function" => ExplanationTarget.Function("logit 0 − logit 1", o => o[.., 0] - o[.., 1]),
            "segmentation" => ExplanationTarget.SegmentationRegion(1, region),
            _ => ExplanationTarget.DetectionBox(2, 2, 9, 10, 1, DetectionLayout.BoxesFirstWithObjectness),
        };
    }

    /// <summary>[N,3,16,16] → per-pixel logits [N,2,16,16] (two convolutions, seeded).</summary>
    private sealed class SegmentationNet : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Conv2d _conv1;
        private readonly TorchSharp.Modules.Conv2d _conv2;

        public SegmentationNet() : base(nameof(SegmentationNet))
        {
            torch.manual_seed(5);
            _conv1 = nn.Conv2d(3, 6, 3, padding: 1);
            _conv2 = nn.Conv2d(6, 2, 3, padding: 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => _conv2.call(nn.functional.tanh(_conv1.call(x)));
    }

    /// <summary>
    /// [N,3,16,16] → raw detections [N,16,7]: a 4×4 grid of cells, each predicting a box around its centre
    /// (cx, cy, w, h in pixels), an objectness and two class probabilities (sigmoids), as a YOLOv5 head does.
    /// </summary>
    private sealed class DetectionNet : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Conv2d _conv1;
        private readonly TorchSharp.Modules.Conv2d _head;

        public DetectionNet() : base(nameof(DetectionNet))
        {
            torch.manual_seed(6);
            _conv1 = nn.Conv2d(3, 8, 3, padding: 1);
            _head = nn.Conv2d(8, 7, 4, stride: 4);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            var raw = _head.call(nn.functional.relu(_conv1.call(x))).flatten(2).transpose(1, 2); // [N,16,7]
            var cells = torch.arange(16, dtype: ScalarType.Float32, device: x.device);
            var cx = (cells.remainder(4) * 4 + 2).view(1, 16) + 2 * raw[.., .., 0].tanh();
            var cy = (cells.div(4, rounding_mode: RoundingMode.floor) * 4 + 2).view(1, 16) + 2 * raw[.., .., 1].tanh();
            var wh = 8 * raw[.., .., 2..4].sigmoid();
            var scores = raw[.., .., 4..7].sigmoid();
            return torch.cat([cx.unsqueeze(2), cy.unsqueeze(2), wh, scores], 2).MoveToOuterDisposeScope();
        }
    }
}
