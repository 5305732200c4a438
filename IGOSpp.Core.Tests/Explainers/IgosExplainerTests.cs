using FluentAssertions;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

public sealed class IgosExplainerTests
{
    private const int Size = 28, Top = 6, Left = 14, Side = 8;

    [Test]
    public void Explain_PlantedEvidence_TopCellsFallInsideTheSquare()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        using var explainer = new IgosExplainer(model, new IgosOptions { Seed = 1, Iterations = 10 });

        using var map = explainer.Explain(model.MakeImage(), 1);

        // Chance is 64/784 ≈ 0.08; only the square moves the score, so the deletion gradient is zero outside it
        // (up to TV smoothing across the border): we ask for ≥ 0.6, over 7× chance.
        PlantedRanking.TopCellsInside(map.Saliency, Size, Top, Left, Side).Should().BeGreaterThanOrEqualTo(0.6);
        map.Trace.Iterations.Should().HaveCount(10);
        map.Trace.ScoreNames.Should().Equal(["D(U)"], "I-GOS has only the deletion term");
        map.Trace.Iterations.Should().OnlyContain(t => double.IsFinite(t.Scores[0]) && double.IsFinite(t.Regularizer));
        map.Trace.Iterations[^1].Scores[0].Should().BeLessThan(map.Trace.Iterations[0].Scores[0]);
    }

    [Test]
    public void Explain_SameSeed_IdenticalMaskInRangeWithMaskSizeShape()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        torch.manual_seed(4);
        var images = torch.randn(2, 1, 16, 16);
        var options = new IgosOptions { MaskSize = 7, Iterations = 3, IntegrationSteps = 4, Seed = 123 };
        var progress = new List<ExplanationProgress>();

        var a = new IgosExplainer(model, options).Explain(images, [3L, 5L], new Progress(progress));
        using var b = new IgosExplainer(model, options).Explain(images[1], 5);

        a.Should().HaveCount(2);
        a[1].Mask.Should().BeCloseTo(b.Mask, 1e-4, 1e-5);
        a[0].Mask.shape.Should().Equal(7, 7);
        a[0].Mask.Should().BeInRange(0, 1);
        a[0].Saliency.Should().BeCloseTo(1 - a[0].Mask, 0, 0);
        a[0].Method.Should().Be("I-GOS");
        (a[0].DeletionMask is null).Should().BeTrue();
        progress.Select(p => p.Iteration).Should().Equal(1, 2, 3);
        foreach (var m in a) m.Dispose();
    }

    [Test]
    public void Explain_Cancelled_Throws()
    {
        using var model = TestModels.SmallCnn();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using var image = torch.randn(1, 16, 16);
        FluentActions.Invoking(() => new IgosExplainer(model, new IgosOptions { MaskSize = 4 }).Explain(image, 1, null, cts.Token))
            .Should().Throw<OperationCanceledException>();
    }

    [TestCase("MaskSize")]
    [TestCase("TvBeta")]
    [TestCase("InitialStepSize")]
    [TestCase("Baseline")]
    public void Constructor_InvalidOption_ThrowsNamingTheOption(string name)
    {
        var o = new IgosOptions();
        var bad = name switch
        {
            "MaskSize" => o with { MaskSize = 1 },
            "TvBeta" => o with { TvBeta = 0.5 },
            "InitialStepSize" => o with { InitialStepSize = -1 },
            _ => o with { Baseline = null! },
        };
        using var model = TestModels.SmallCnn();
        FluentActions.Invoking(() => new IgosExplainer(model, bad))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == $"options.{name}");
    }

    /// <summary>Synchronous progress (System.Progress posts to the thread pool).</summary>
    internal sealed class Progress(List<ExplanationProgress> reports) : IProgress<ExplanationProgress>
    {
        public void Report(ExplanationProgress value) => reports.Add(value);
    }
}
