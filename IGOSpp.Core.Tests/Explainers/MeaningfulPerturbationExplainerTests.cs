using FluentAssertions;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

public sealed class MeaningfulPerturbationExplainerTests
{
    private const int Size = 28, Top = 6, Left = 14, Side = 8;

    [Test]
    public void Explain_PlantedEvidence_TopCellsFallInsideTheSquare()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        using var explainer = new MeaningfulPerturbationExplainer(model, new MeaningfulPerturbationOptions { Iterations = 60, Seed = 1 });

        using var map = explainer.Explain(model.MakeImage(), 1);

        // The score's gradient is zero outside the square, so only the TV term (and the 1-px jitter) moves mask cells
        // outside it; chance is 0.08 and we ask for ≥ 0.5.
        PlantedRanking.TopCellsInside(map.Saliency, Size, Top, Left, Side).Should().BeGreaterThanOrEqualTo(0.5);
        map.Mask.Should().BeInRange(0, 1);
        map.Method.Should().Be("Mask");
        var trace = map.Trace.Iterations;
        trace.Should().HaveCount(60);
        map.Trace.ScoreNames.Should().Equal([MeaningfulPerturbationExplainer.ScoreName]);
        trace[^1].Scores[0].Should().BeLessThan(trace[0].Scores[0]);
    }

    [Test]
    public void Explain_SameSeed_IdenticalAndBatchEqualsSingle()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmoothCnn();
        torch.manual_seed(3);
        var images = torch.randn(2, 1, 12, 12);
        var options = new MeaningfulPerturbationOptions { MaskSize = 6, Iterations = 5, Seed = 4, MaxJitter = 1 };
        var progress = new List<ExplanationProgress>();

        var maps = new MeaningfulPerturbationExplainer(model, options).Explain(images, [1L, 2L], new IgosExplainerTests.Progress(progress));
        using var single = new MeaningfulPerturbationExplainer(model, options).Explain(images[1], 2);
        using var again = new MeaningfulPerturbationExplainer(model, options).Explain(images[1], 2);

        single.Mask.Should().BeEqualTo(again.Mask);
        maps[1].Mask.Should().BeCloseTo(single.Mask, 1e-4, 1e-5);
        maps[0].Mask.shape.Should().Equal(6, 6);
        progress.Should().HaveCount(5);
        foreach (var m in maps) m.Dispose();
    }

    [Test]
    public void Explain_ModelParameters_ReceiveNoGradients()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmoothCnn();
        using var map = new MeaningfulPerturbationExplainer(model, new MeaningfulPerturbationOptions { MaskSize = 4, Iterations = 2, Seed = 1 })
            .Explain(torch.randn(1, 8, 8), 0);
        model.parameters().Count(p => p.grad is not null).Should().Be(0);
    }

    [TestCase("MaskSize")]
    [TestCase("LearningRate")]
    [TestCase("TvBeta")]
    [TestCase("MaxJitter")]
    public void Constructor_InvalidOption_ThrowsNamingTheOption(string name)
    {
        var o = new MeaningfulPerturbationOptions();
        var bad = name switch
        {
            "MaskSize" => o with { MaskSize = 1 },
            "LearningRate" => o with { LearningRate = 0 },
            "TvBeta" => o with { TvBeta = 0.5 },
            _ => o with { MaxJitter = -1 },
        };
        using var model = TestModels.SmallCnn();
        FluentActions.Invoking(() => new MeaningfulPerturbationExplainer(model, bad))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == $"options.{name}");
    }
}
