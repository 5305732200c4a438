using FluentAssertions;
using IGOSpp.Metrics;
using IGOSpp.Perturbation;
using IGOSpp.Targets;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Targets;

/// <summary>
/// The built-in targets against values computed by hand, and the probe's checks of a target against the model's output.
/// The linear model's logits are [0, z] with z = w·x + b, so class 1's logit is z, its softmax probability and its
/// sigmoid are both σ(z), class 0's probability is 1 − σ(z), and the gradient of z with respect to x is w.
/// </summary>
public sealed class ExplanationTargetTests
{
    private static (TestModels.LinearModel Model, Tensor Image, double Z) Linear(double bias = 0.3)
    {
        torch.manual_seed(21);
        var weight = torch.randn(1, 6, 6) * 0.2;
        var model = new TestModels.LinearModel(weight, bias);
        var image = torch.rand(1, 6, 6);
        var z = (image * weight).sum().item<float>() + bias;
        return (model, image, z);
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [Test]
    public void ClassTargets_OnTheLinearModel_GiveTheHandComputedScores()
    {
        using var scope = torch.NewDisposeScope();
        var (model, image, z) = Linear();
        var logits = model.call(image.unsqueeze(0));

        ExplanationTarget.ClassLogit(1).Score(logits).item<float>().Should().BeApproximately((float)z, 1e-5f);
        ExplanationTarget.ClassProbability(1).Score(logits).item<float>().Should().BeApproximately((float)Sigmoid(z), 1e-6f);
        ExplanationTarget.ClassProbability(0).Score(logits).item<float>().Should().BeApproximately((float)(1 - Sigmoid(z)), 1e-6f);
        ExplanationTarget.ClassSigmoid(1).Score(logits).item<float>().Should().BeApproximately((float)Sigmoid(z), 1e-6f);
        ExplanationTarget.ClassSigmoid(0).Score(logits).item<float>().Should().BeApproximately(0.5f, 1e-7f, "sigmoid of the constant logit 0");
        ExplanationTarget.ClassLogit(1).ClassId.Should().Be(1);
        ExplanationTarget.ClassLogit(1).Description.Should().Be("logit(class 1)");
    }

    [Test]
    public void IntegratedGradients_LogitTargetOfALinearModel_IsExactlyInputTimesWeight()
    {
        // For a linear score the integrand is constant: attr = (x − x')⊙w exactly, whatever the quadrature.
        using var scope = torch.NewDisposeScope();
        var (model, image, _) = Linear();
        using var explainer = new IntegratedGradientsExplainer(model, new IntegratedGradientsOptions { Baseline = new ConstantBaseline(0) });

        using var attributions = explainer.Attribute(image.unsqueeze(0), [ExplanationTarget.ClassLogit(1)]);
        using var probability = explainer.Attribute(image.unsqueeze(0), [ExplanationTarget.ClassProbability(1)]);

        attributions[0].Should().BeCloseTo(image * model.Weight.detach(), rtol: 1e-4, atol: 1e-6);
        // Completeness for the probability: Σ attr = σ(z(x)) − σ(z(0)) = σ(z) − σ(b).
        var z = (image * model.Weight.detach()).sum().item<float>() + 0.3;
        probability.sum().item<float>().Should().BeApproximately((float)(Sigmoid(z) - Sigmoid(0.3)), 2e-4f);
    }

    [TestCase(0.3, 1)]
    [TestCase(-40, 0)]
    public void Explain_WithoutATarget_ExplainsThePredictedClass(double bias, long expected)
    {
        using var scope = torch.NewDisposeScope();
        var (model, image, z) = Linear(bias);
        (z > 0).Should().Be(expected == 1, "the test's premise: the argmax of [0, z]");
        using var explainer = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 3, Iterations = 1, IntegrationSteps = 2, Seed = 1 });

        using var map = explainer.Explain(image);

        map.ClassId.Should().Be(expected);
        map.Target.Should().BeOfType<ClassTarget>().Which.Kind.Should().Be(ClassScoreKind.Probability);
        map.OriginalScore.Should().BeApproximately(expected == 1 ? Sigmoid(z) : 1 - Sigmoid(z), 1e-6);
    }

    [Test]
    public void Regression_OfAScalarModel_ScoresTheOutputAndIntegratedGradientsIsComplete()
    {
        using var scope = torch.NewDisposeScope();
        var (linear, image, z) = Linear();
        using var model = new ScalarHead(linear);
        using var explainer = new IntegratedGradientsExplainer(model, new IntegratedGradientsOptions { Baseline = new ConstantBaseline(0) });

        using var map = explainer.Explain(image, ExplanationTarget.Regression());
        using var attributions = explainer.Attribute(image.unsqueeze(0), [ExplanationTarget.Regression()]);

        map.ClassId.Should().Be(-1, "a regression output has no class");
        map.OriginalScore.Should().BeApproximately(z, 1e-5);
        attributions.sum().item<float>().Should().BeApproximately((float)(z - 0.3), 1e-4f, "completeness: f(x) − f(0) = z − b");
    }

    [Test]
    public void SegmentationRegion_IsTheMeanPixelProbabilityOverTheRegion()
    {
        using var scope = torch.NewDisposeScope();
        // Two classes, 2×2 pixels; class 1's probability at a pixel is σ(l1 − l0).
        var logits = torch.tensor(new float[] { 0, 0, 0, 0, 1, -1, 2, 0 }).view(1, 2, 2, 2);
        var region = torch.tensor(new[] { true, false, false, true }).view(2, 2);
        var target = ExplanationTarget.SegmentationRegion(1, region);

        var expected = (Sigmoid(1) + Sigmoid(0)) / 2;
        target.Score(logits).item<float>().Should().BeApproximately((float)expected, 1e-6f);
        ExplanationTarget.SegmentationRegion(1, region, ClassScoreKind.Logit).Score(logits).item<float>().Should().BeApproximately(0.5f, 1e-6f);
        target.MetricCoverage(2, 2).Should().Be(1.0, "3·(2 of 4 pixels) is capped at the whole image");
        ExplanationTarget.SegmentationRegion(0, torch.eye(8).to(ScalarType.Bool)).MetricCoverage(8, 8).Should().BeApproximately(3 * 8 / 64.0, 1e-12);
    }

    [Test]
    public void DetectionBox_IsTheBestIouTimesObjectnessTimesClassProbability()
    {
        using var scope = torch.NewDisposeScope();
        // Target box (0,0)-(10,10). Prediction a: centre (5,5), 10×10 → IoU 1, obj 0.5, p(class 1) 0.4 → 0.2.
        // Prediction b: centre (10,5), 10×10 → corners (5,0)-(15,10): IoU 50/150 = 1/3, obj 0.9, p 0.9 → 0.27.
        var output = torch.tensor(new float[]
        {
            5, 5, 10, 10, 0.5f, 0.6f, 0.4f,
            10, 5, 10, 10, 0.9f, 0.1f, 0.9f,
        }).view(1, 2, 7);
        var target = ExplanationTarget.DetectionBox(0, 0, 10, 10, 1, DetectionLayout.BoxesFirstWithObjectness);

        target.Score(output).item<float>().Should().BeApproximately(0.27f, 1e-6f);
        var transposed = output[.., .., TensorIndex.Tensor(torch.tensor(new long[] { 0, 1, 2, 3, 5, 6 }))].transpose(1, 2).contiguous(); // [1, 4+K, boxes]
        ExplanationTarget.DetectionBox(0, 0, 10, 10, 1, DetectionLayout.ChannelsFirstNoObjectness).Score(transposed).item<float>()
            .Should().BeApproximately(0.4f, 1e-6f, "without objectness: max(1·0.4, 1/3·0.9)");
        target.MetricCoverage(20, 20).Should().BeApproximately(0.75, 1e-12, "three times 100 of 400 pixels");
    }

    [Test]
    public void Probe_TargetThatDoesNotFitTheOutput_ThrowsNamingTheTarget()
    {
        using var scope = torch.NewDisposeScope();
        var (model, image, _) = Linear();
        using var explainer = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 3, Iterations = 1, IntegrationSteps = 2 });

        FluentActions.Invoking(() => explainer.Explain(image, ExplanationTarget.ClassLogit(5)))
            .Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "target" && e.Message.Contains("outside the model's 2 outputs"));
        FluentActions.Invoking(() => explainer.Explain(image, 5))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("classId");
        FluentActions.Invoking(() => explainer.Explain(image, ExplanationTarget.SegmentationRegion(0, torch.ones(6, 6))))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "target" && e.Message.Contains("[N,K,H,W]"));
        FluentActions.Invoking(() => explainer.Explain(image, ExplanationTarget.DetectionBox(1, 1, 4, 4, 0, DetectionLayout.BoxesFirstWithObjectness)))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "target" && e.Message.Contains("[N, boxes, 4+1+K]"));
        FluentActions.Invoking(() => explainer.Explain(image, ExplanationTarget.Function("two scores", o => o)))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "target" && e.Message.Contains("one score per row"));
        FluentActions.Invoking(() => explainer.Explain(torch.stack([image, image]), [ExplanationTarget.ClassLogit(1)]))
            .Should().Throw<ArgumentException>().WithParameterName("targets");
    }

    [Test]
    public void Probe_ScoreWithoutGradient_IsRejectedByGradientMethodsAndAcceptedByRise()
    {
        using var scope = torch.NewDisposeScope();
        var (model, image, _) = Linear();
        // "Is class 1 the argmax?" — a threshold: no gradient reaches the input.
        var argmax = ExplanationTarget.Function("argmax is 1", o => o.argmax(1).eq(1).to(ScalarType.Float32));
        using var igos = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 3, Iterations = 1, IntegrationSteps = 2 });
        using var integrated = new IntegratedGradientsExplainer(model);
        using var rise = new RiseExplainer(model, new RiseOptions { MaskCount = 8, Seed = 1 });

        FluentActions.Invoking(() => igos.Explain(image, argmax))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "target" && e.Message.Contains("no gradient"));
        FluentActions.Invoking(() => integrated.Explain(image, argmax))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "target" && e.Message.Contains("no gradient"));
        using var map = rise.Explain(image, argmax);
        map.OriginalScore.Should().Be(1, "the clean image's argmax is class 1");
    }

    [Test]
    public void Metric_RegionTarget_CoversAboutThreeTimesTheRegionAndClassTargetsTheWholeImage()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new PixelClassModel();
        torch.manual_seed(3);
        var image = torch.rand(1, 8, 8);
        var region = torch.zeros(8, 8, ScalarType.Bool);
        region[2..4, 2..4] = torch.tensor(true);
        var metric = new InsertionDeletionMetric(model);
        var saliency = torch.rand(8, 8);

        var result = metric.Evaluate(image, ExplanationTarget.SegmentationRegion(1, region), saliency);

        result.CoveredCells.Should().Be(12, "⌈3 · 4/64 · 64⌉ cells");
        result.Cells.Should().Be(64);
        result.Fractions[^1].Should().Be(1);
        result.ClassId.Should().Be(1);
        result.Target.Should().BeOfType<SegmentationRegionTarget>();
    }

    [Test]
    public void ModelOutputAdapter_SelectsTheTensorToExplainAndReachesTheInnerModelsMode()
    {
        using var scope = torch.NewDisposeScope();
        var (linear, image, z) = Linear();
        var inner = new TwoOutputs(linear);
        inner.train();
        using var adapter = new ModelOutputAdapter<(Tensor, Tensor)>(inner, o => o.Item2);
        using var ig = new IntegratedGradientsExplainer(adapter);

        using var map = ig.Explain(image, ExplanationTarget.ClassLogit(1));

        map.OriginalScore.Should().BeApproximately(z, 1e-5, "the adapter passes the second output, the logits");
        inner.training.Should().BeTrue("the explainer's eval mode is restored afterwards");
    }

    /// <summary>[N,1,6,6] → [N]: the linear model's class-1 logit z.</summary>
    private sealed class ScalarHead(TestModels.LinearModel linear) : nn.Module<Tensor, Tensor>(nameof(ScalarHead))
    {
        private readonly TestModels.LinearModel _linear = linear;

        public override Tensor forward(Tensor x) => _linear.call(x)[.., 1];
    }

    /// <summary>Returns (something else, the linear model's logits).</summary>
    private sealed class TwoOutputs : nn.Module<Tensor, (Tensor, Tensor)>
    {
        private readonly TestModels.LinearModel _linear;

        public TwoOutputs(TestModels.LinearModel linear) : base(nameof(TwoOutputs))
        {
            _linear = linear;
            register_module("linear", linear);
        }

        public override (Tensor, Tensor) forward(Tensor x) => (x.mean(), _linear.call(x));
    }

    /// <summary>[N,1,8,8] → [N,2,8,8] per-pixel logits [0, 4·x − 2]: a pixel is class 1 where it is bright.</summary>
    private sealed class PixelClassModel() : nn.Module<Tensor, Tensor>(nameof(PixelClassModel))
    {
        public override Tensor forward(Tensor x) => torch.cat([torch.zeros_like(x), 4 * x - 2], 1);
    }
}
