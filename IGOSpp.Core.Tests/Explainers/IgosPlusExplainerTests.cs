using FluentAssertions;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

public sealed class IgosPlusExplainerTests
{
    private const int Size = 28, Top = 6, Left = 14, Side = 8;

    [Test]
    public void Explain_PlantedEvidence_TopCellsFallInsideTheSquare()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        using var explainer = new IgosPlusExplainer(model, new IgosPlusOptions { Seed = 1, Iterations = 10 });

        using var map = explainer.Explain(model.MakeImage(), 1);

        // Chance is 64/784 ≈ 0.08; both path gradients vanish outside the square: ≥ 0.6 is over 7× chance.
        PlantedRanking.TopCellsInside(map.Saliency, Size, Top, Left, Side).Should().BeGreaterThanOrEqualTo(0.6);
        var trace = map.Trace.Iterations;
        map.Trace.ScoreNames.Should().Equal(["D(U)", "Ins(U)"], "iGOS+ has no combined terms");
        trace.Should().OnlyContain(t => double.IsFinite(t.Scores[0]) && double.IsFinite(t.Scores[1]));
        trace[0].Loss.Should().BeApproximately(trace[0].Scores[0] - trace[0].Scores[1] + trace[0].Regularizer, 1e-5);
        trace[^1].Loss.Should().BeLessThan(trace[0].Loss);
        map.Trace.BackwardImages.Should().Be(10 * 2 * 20, "two fused path terms of 20 steps per iteration");
    }

    [Test]
    public void Explain_SameSeed_BitIdenticalMaskInRange()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        torch.manual_seed(4);
        var image = torch.randn(1, 16, 16);
        var options = new IgosPlusOptions { MaskSize = 7, Iterations = 3, IntegrationSteps = 4, Seed = 5 };
        var progress = new List<ExplanationProgress>();

        using var a = new IgosPlusExplainer(model, options).Explain(image, 3, new IgosExplainerTests.Progress(progress));
        using var b = new IgosPlusExplainer(model, options).Explain(image, 3);

        a.Mask.Should().BeEqualTo(b.Mask);
        a.Mask.shape.Should().Equal(7, 7);
        a.Mask.Should().BeInRange(0, 1);
        a.Method.Should().Be("iGOS+");
        progress.Should().HaveCount(3);
    }

    [TestCase("BtvSigma")]
    [TestCase("L1")]
    [TestCase("NoiseStd")]
    public void Constructor_InvalidOption_ThrowsNamingTheOption(string name)
    {
        var o = new IgosPlusOptions();
        var bad = name switch
        {
            "BtvSigma" => o with { BtvSigma = 0 },
            "L1" => o with { L1 = double.NaN },
            _ => o with { NoiseStd = -1 },
        };
        using var model = TestModels.SmallCnn();
        FluentActions.Invoking(() => new IgosPlusExplainer(model, bad))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == $"options.{name}");
    }
}
