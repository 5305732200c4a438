using FluentAssertions;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

public sealed class RiseExplainerTests
{
    private const int Size = 28, Top = 6, Left = 14, Side = 8;

    [Test]
    public void Explain_PlantedEvidence_TopCellsFallInsideTheSquare()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);

        using var map = new RiseExplainer(model, new RiseOptions { Seed = 1 }).Explain(model.MakeImage(), 1);

        // Masks are smooth over 4-px cells, so the estimate blurs the square's border; chance is 0.08 and we ask
        // for ≥ 0.5 (over 6× chance).
        PlantedRanking.TopCellsInside(map.Saliency, Size, Top, Left, Side).Should().BeGreaterThanOrEqualTo(0.5);
        map.Mask.Should().BeInRange(0, 1);
        map.Saliency.shape.Should().Equal(Size, Size);
        map.Method.Should().Be("RISE");
    }

    [Test]
    public void Explain_MoreMasks_ApproachesALargeSampleMap()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmoothCnn();
        torch.manual_seed(9);
        var image = torch.randn(1, 16, 16);
        Tensor Map(int count, int seed)
        {
            using var map = new RiseExplainer(model, new RiseOptions { MaskCount = count, GridSize = 4, Seed = seed }).Explain(image, 1);
            return map.Saliency.clone();
        }

        var reference = Map(8000, 100);
        int[] counts = [25, 400, 2000];
        var distances = counts.Select(c => (Map(c, c) - reference).norm().item<float>()).ToArray();

        // Monte-Carlo error falls like 1/√N: each step is 4–5× more masks, so the distance must shrink.
        distances[1].Should().BeLessThan(distances[0]);
        distances[2].Should().BeLessThan(distances[1]);
    }

    [Test]
    public void Explain_SameSeed_IdenticalAndBatchEqualsSingle()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        torch.manual_seed(3);
        var images = torch.randn(2, 1, 12, 12);
        var options = new RiseOptions { MaskCount = 50, MaxBatchSize = 30, Seed = 4 };
        var progress = new List<ExplanationProgress>();

        var maps = new RiseExplainer(model, options).Explain(images, [1L, 3L], new IgosExplainerTests.Progress(progress));
        using var single = new RiseExplainer(model, options).Explain(images[1], 3);
        using var again = new RiseExplainer(model, options).Explain(images[1], 3);

        single.Saliency.Should().BeEqualTo(again.Saliency);
        maps[1].Saliency.Should().BeCloseTo(single.Saliency, 1e-4, 1e-6);
        progress.Should().HaveCount(4, "50 masks for 2 images in passes of 15 masks");
        foreach (var m in maps) m.Dispose();
    }

    [TestCase("MaskCount")]
    [TestCase("GridSize")]
    [TestCase("KeepProbability")]
    [TestCase("MaxBatchSize")]
    public void Constructor_InvalidOption_ThrowsNamingTheOption(string name)
    {
        var o = new RiseOptions();
        var bad = name switch
        {
            "MaskCount" => o with { MaskCount = 0 },
            "GridSize" => o with { GridSize = 1 },
            "KeepProbability" => o with { KeepProbability = 0 },
            _ => o with { MaxBatchSize = 0 },
        };
        using var model = TestModels.SmallCnn();
        FluentActions.Invoking(() => new RiseExplainer(model, bad))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == $"options.{name}");
    }
}
