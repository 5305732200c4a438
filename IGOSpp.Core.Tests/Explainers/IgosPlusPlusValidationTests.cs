using FluentAssertions;
using IGOSpp.Integration;
using IGOSpp.Perturbation;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

/// <summary>Every invalid option and input is an ArgumentException naming the parameter and the problem.</summary>
public sealed class IgosPlusPlusValidationTests
{
    private static readonly IgosPlusPlusOptions Fast = new() { MaskSize = 4, Iterations = 1, IntegrationSteps = 2, Seed = 1 };

    public static IEnumerable<TestCaseData> InvalidOptions()
    {
        var o = new IgosPlusPlusOptions();
        yield return new TestCaseData(o with { MaskSize = 1 }, "MaskSize");
        yield return new TestCaseData(o with { Iterations = 0 }, "Iterations");
        yield return new TestCaseData(o with { IntegrationSteps = 0 }, "IntegrationSteps");
        yield return new TestCaseData(o with { L1 = -1 }, "L1");
        yield return new TestCaseData(o with { L1 = double.NaN }, "L1");
        yield return new TestCaseData(o with { L2 = double.PositiveInfinity }, "L2");
        yield return new TestCaseData(o with { InitialStepSize = 0 }, "InitialStepSize");
        yield return new TestCaseData(o with { Optimizer = (OptimizerKind)42 }, "Optimizer");
        yield return new TestCaseData(o with { ArmijoBeta = 1 }, "ArmijoBeta");
        yield return new TestCaseData(o with { StepDecay = 0 }, "StepDecay");
        yield return new TestCaseData(o with { StepDecay = 1.5 }, "StepDecay");
        yield return new TestCaseData(o with { MinStepSize = 0 }, "MinStepSize");
        yield return new TestCaseData(o with { MinStepSize = 2000 }, "MinStepSize");
        yield return new TestCaseData(o with { NoiseStd = -0.1 }, "NoiseStd");
        yield return new TestCaseData(o with { BtvSigma = 0 }, "BtvSigma");
        yield return new TestCaseData(o with { TvBeta = 0.5 }, "TvBeta");
        yield return new TestCaseData(o with { Score = (ScoreFunction)7 }, "Score");
        yield return new TestCaseData(o with { MaxBatchSize = 0 }, "MaxBatchSize");
        yield return new TestCaseData(o with { Baseline = null! }, "Baseline");
        yield return new TestCaseData(o with { Quadrature = (QuadratureRule)9 }, "Quadrature");
        yield return new TestCaseData(o with { Quadrature = QuadratureRule.Trapezoid, IntegrationSteps = 1 }, "IntegrationSteps");
        yield return new TestCaseData(o with { EarlyStopTolerance = 0 }, "EarlyStopTolerance");
        yield return new TestCaseData(o with { EarlyStopTolerance = -1e-3 }, "EarlyStopTolerance");
        yield return new TestCaseData(o with { EarlyStopTolerance = double.NaN }, "EarlyStopTolerance");
        yield return new TestCaseData(o with { EarlyStopTolerance = double.PositiveInfinity }, "EarlyStopTolerance");
        yield return new TestCaseData(o with { EarlyStopTolerance = 1e-3, EarlyStopIterations = 0 }, "EarlyStopIterations");
    }

    [TestCaseSource(nameof(InvalidOptions))]
    public void Constructor_InvalidOption_ThrowsNamingTheOption(IgosPlusPlusOptions options, string name)
    {
        using var model = TestModels.SmallCnn();
        FluentActions.Invoking(() => new IgosPlusPlusExplainer(model, options))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == $"options.{name}" && e.Message.Contains(name));
    }

    [Test]
    public void Constructor_NullModel_Throws() =>
        FluentActions.Invoking(() => new IgosPlusPlusExplainer(null!)).Should().Throw<ArgumentNullException>().WithParameterName("model");

    public static IEnumerable<TestCaseData> BadImages()
    {
        yield return new TestCaseData((Func<Tensor>)(() => torch.randn(16, 16)), "rank 2");
        yield return new TestCaseData((Func<Tensor>)(() => torch.randn([1, 1, 1, 16, 16])), "rank 5");
        yield return new TestCaseData((Func<Tensor>)(() => torch.randn(2, 1, 16, 16)), "batch");
        yield return new TestCaseData((Func<Tensor>)(() => torch.randn(1, 0, 16)), "empty");
        yield return new TestCaseData((Func<Tensor>)(() => torch.ones(1, 16, 16, ScalarType.Byte)), "Byte");
        yield return new TestCaseData((Func<Tensor>)(() => torch.randn(1, 16, 16, ScalarType.Float64)), "Float64");
        yield return new TestCaseData((Func<Tensor>)(() => { var t = torch.randn(1, 16, 16); t[0, 3, 3] = float.NaN; return t; }), "NaN");
        yield return new TestCaseData((Func<Tensor>)(() => { var t = torch.randn(1, 16, 16); t[0, 3, 3] = float.PositiveInfinity; return t; }), "infinite");
        yield return new TestCaseData((Func<Tensor>)(() => torch.randn(3, 16, 16)), "model failed");
        yield return new TestCaseData((Func<Tensor>)(() => torch.randn(1, 3, 3)), "MaskSize");
        yield return new TestCaseData((Func<Tensor>)(() => torch.randn(1, 1, 16)), "2×2");
    }

    [TestCaseSource(nameof(BadImages))]
    public void Explain_BadImage_ThrowsArgumentExceptionNamingImage(Func<Tensor> make, string expectedText)
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        using var explainer = new IgosPlusPlusExplainer(model, Fast);
        var image = make();

        FluentActions.Invoking(() => explainer.Explain(image, 1))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "image" && e.Message.Contains(expectedText));
    }

    [TestCase(-1L)]
    [TestCase(10L)]
    [TestCase(1000L)]
    public void Explain_ClassIdOutsideModelOutputs_Throws(long classId)
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn(classes: 10);
        using var explainer = new IgosPlusPlusExplainer(model, Fast);
        FluentActions.Invoking(() => explainer.Explain(torch.randn(1, 16, 16), classId))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName(nameof(classId));
    }

    [Test]
    public void Explain_BatchWithWrongNumberOfClassIds_Throws()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        using var explainer = new IgosPlusPlusExplainer(model, Fast);
        FluentActions.Invoking(() => explainer.Explain(torch.randn(3, 1, 16, 16), [1L, 2L]))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "classIds" && e.Message.Contains("3 class ids"));
        FluentActions.Invoking(() => explainer.Explain(torch.randn(3, 1, 16, 16), null!))
            .Should().Throw<ArgumentNullException>().WithParameterName("classIds");
    }

    [Test]
    public void Explain_NullImage_Throws()
    {
        using var model = TestModels.SmallCnn();
        using var explainer = new IgosPlusPlusExplainer(model, Fast);
        FluentActions.Invoking(() => explainer.Explain(null!, 1)).Should().Throw<ArgumentNullException>().WithParameterName("image");
    }

    [Test]
    public void Explain_BaselineOfWrongShape_ThrowsNamingTheBaseline()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        using var explainer = new IgosPlusPlusExplainer(model, Fast with { Baseline = new CroppingBaseline() });
        FluentActions.Invoking(() => explainer.Explain(torch.randn(1, 16, 16), 1))
            .Should().Throw<ArgumentException>().WithParameterName("options.Baseline");
    }

    [Test]
    public void Explain_ModelReturningWrongShapeOrNaN_ThrowsNamingTheModel()
    {
        using var scope = torch.NewDisposeScope();
        using var flat = nn.Sequential(nn.Flatten(0));
        using var nan = new NaNModel();
        FluentActions.Invoking(() => new IgosPlusPlusExplainer(flat, Fast).Explain(torch.randn(1, 16, 16), 0))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "model" && e.Message.Contains("expected logits"));
        FluentActions.Invoking(() => new IgosPlusPlusExplainer(nan, Fast).Explain(torch.randn(1, 16, 16), 0))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "model" && e.Message.Contains("NaN"));
    }

    private sealed class CroppingBaseline : IBaseline
    {
        public Tensor Create(Tensor images) => images[.., .., 1.., ..].clone();
    }

    private sealed class NaNModel() : nn.Module<Tensor, Tensor>(nameof(NaNModel))
    {
        public override Tensor forward(Tensor x) => torch.full(x.shape[0], 3, float.NaN);
    }
}
