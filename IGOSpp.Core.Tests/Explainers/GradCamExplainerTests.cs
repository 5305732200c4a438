using FluentAssertions;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

public sealed class GradCamExplainerTests
{
    private const int Size = 28, Top = 6, Left = 14, Side = 8;

    /// <summary>conv(1→3) → global average pool → linear(3→2): ∂f/∂A_k(i,j) is the same at every (i,j).</summary>
    private static Sequential ConvGapLinear()
    {
        torch.manual_seed(21);
        return nn.Sequential(("conv", nn.Conv2d(1, 3, 3, padding: 1)), ("gap", nn.AdaptiveAvgPool2d(1)),
            ("flat", nn.Flatten()), ("fc", nn.Linear(3, 2)));
    }

    [Test]
    public void Explain_ConvGapLinear_CamEqualsHandComputedWeights()
    {
        using var scope = torch.NewDisposeScope();
        using var model = ConvGapLinear();
        torch.manual_seed(3);
        var image = torch.randn(1, 1, 6, 5);
        const int c = 1;

        using var map = new GradCamExplainer(model).Explain(image, c);

        // z = W·mean(A) + b, f = softmax(z)_c  ⇒  ∂f/∂A_k(i,j) = f_c·(W_ck − Σ_j f_j·W_jk)/(h·w), so α_k is that value.
        using var noGrad = torch.no_grad();
        var conv = (Conv2d)model.named_modules().First(m => m.name == "conv").module;
        var fc = (Linear)model.named_modules().First(m => m.name == "fc").module;
        var a = conv.call(image)[0];                                   // [3,6,5]
        var f = model.call(image).softmax(1)[0];                       // [2]
        var w = fc.weight!;                                            // [2,3]
        var alpha = f[c] * (w[c] - (f.unsqueeze(1) * w).sum([0])) / (6 * 5);
        var expected = (alpha.view(3, 1, 1) * a).sum([0]).relu();
        map.Saliency.Should().BeCloseTo(expected, rtol: 1e-4, atol: 1e-7);
        map.Saliency.shape.Should().Equal(6, 5);
        map.Method.Should().Be("Grad-CAM");
        var max = expected.max().item<float>();
        if (max > 0) map.Mask.Should().BeCloseTo(1 - expected / max, rtol: 1e-4, atol: 1e-6);
    }

    [Test]
    public void Explain_PlantedEvidence_TopCellsFallInsideTheSquare()
    {
        using var scope = torch.NewDisposeScope();
        using var planted = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        using var model = nn.Sequential(("features", new PatternProduct(planted.get_buffer("pattern")!)), ("head", new MeanHead(Side, planted.Gain)));

        using var map = new GradCamExplainer(model, new GradCamOptions { TargetLayer = "features" }).Explain(planted.MakeImage(), 1);

        // The feature x⊙P is 1 on the square and 0 elsewhere, and the head's gradient is the same positive number
        // everywhere, so the cam is exactly the square: all 64 top cells inside (chance 0.08).
        PlantedRanking.TopCellsInside(map.Saliency, Size, Top, Left, Side).Should().Be(1);
        map.Mask.Should().BeInRange(0, 1);
    }

    [Test]
    public void Explain_Batch_EqualsEachImageAndIsDeterministic()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        torch.manual_seed(8);
        var images = torch.randn(2, 1, 12, 12);
        using var explainer = new GradCamExplainer(model);

        var maps = explainer.Explain(images, [1L, 4L]);
        using var second = explainer.Explain(images[1], 4);

        explainer.LayerName.Should().Be("conv2");
        maps[1].Saliency.Should().BeCloseTo(second.Saliency, 1e-4, 1e-6);
        maps[0].Saliency.shape.Should().Equal(6, 6);
        maps[0].Mask.Should().BeInRange(0, 1);
        foreach (var m in maps) m.Dispose();
    }

    [Test]
    public void Explain_ModelThrowsAfterTheLayer_HookIsRemoved()
    {
        using var scope = torch.NewDisposeScope();
        var features = new CountingHooks();
        var head = new ThrowOnSecondCall();
        using var model = nn.Sequential(("features", features), ("head", head));
        using var explainer = new GradCamExplainer(model, new GradCamOptions { TargetLayer = "features" });
        var image = torch.randn(1, 4, 4);

        FluentActions.Invoking(() => explainer.Explain(image, 0)).Should().Throw<InvalidOperationException>();
        features.HookCount.Should().Be(0);

        head.Calls = 10; // past the failing call
        using var map = explainer.Explain(image, 0);
        features.HookCount.Should().Be(0);
    }

    [Test]
    public void Constructor_UnknownLayer_ThrowsListingTheNames()
    {
        using var model = TestModels.SmallCnn();
        FluentActions.Invoking(() => new GradCamExplainer(model, new GradCamOptions { TargetLayer = "layer4" }))
            .Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "options.TargetLayer" && e.Message.Contains("conv1") && e.Message.Contains("conv2"));
        FluentActions.Invoking(() => new GradCamExplainer(model, new GradCamOptions { Score = (ScoreFunction)9 }))
            .Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "options.Score");
    }

    private sealed class PatternProduct : nn.Module<Tensor, Tensor>
    {
        private readonly Tensor _pattern;

        public PatternProduct(Tensor pattern) : base(nameof(PatternProduct))
        {
            _pattern = pattern.clone();
            register_buffer("pattern", _pattern);
        }

        public override Tensor forward(Tensor x) => x * _pattern;
    }

    private sealed class MeanHead(int side, double gain) : nn.Module<Tensor, Tensor>(nameof(MeanHead))
    {
        public override Tensor forward(Tensor a)
        {
            using var scope = torch.NewDisposeScope();
            var z = gain * (a.flatten(1).sum(1) / (side * side) - 0.5);
            return torch.stack([torch.zeros_like(z), z], 1).MoveToOuterDisposeScope();
        }
    }

    private sealed class CountingHooks() : nn.Module<Tensor, Tensor>(nameof(CountingHooks))
    {
        public int HookCount => post_hooks.Count;

        public override Tensor forward(Tensor x) => x * 2;
    }

    private sealed class ThrowOnSecondCall() : nn.Module<Tensor, Tensor>(nameof(ThrowOnSecondCall))
    {
        public int Calls { get; set; }

        public override Tensor forward(Tensor x)
        {
            if (++Calls == 2) throw new InvalidOperationException("model failure");
            return x.flatten(1)[.., ..2];
        }
    }

    /// <summary>A model whose forward opens its own dispose scope (as the samples' FashionMnistNet does) must not release
    /// the captured activation.</summary>
    [Test]
    public void Explain_ModelWithItsOwnDisposeScope_Works()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.ScopedCnn();
        torch.manual_seed(3);
        var image = torch.rand(1, 1, 28, 28).sub(0.286).div(0.353);
        using var explainer = new GradCamExplainer(model);

        using var map = explainer.Explain(image, 4);

        map.Mask.Should().BeInRange(0, 1);
        map.Saliency.min().item<float>().Should().BeGreaterThanOrEqualTo(0);
    }
}
