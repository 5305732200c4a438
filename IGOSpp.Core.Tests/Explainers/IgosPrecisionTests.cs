using System.Globalization;
using FluentAssertions;
using IGOSpp.Integration;
using IGOSpp.Metrics;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

/// <summary><see cref="IgosOptionsBase.Precision"/>: reduced-precision model passes, float32 everything else, the
/// caller's model untouched.</summary>
public sealed class IgosPrecisionTests
{
    private static readonly IgosPlusPlusOptions Small = new()
    {
        MaskSize = 8, Iterations = 4, IntegrationSteps = 4, Seed = 17, Precision = ModelPrecision.BFloat16,
    };

    [Test]
    public void Compute_BFloat16_ConvolutionsRunInBFloat16_ScoresAndGradientsFloat32()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn(channels: 3);
        model.eval();
        var conv = model.named_modules().Single(m => m.name == "conv1").module;
        var seen = new List<ScalarType>();
        var remover = ((nn.Module<Tensor, Tensor>)conv).register_forward_hook((_, _, output) =>
        {
            seen.Add(output.dtype);
            return output;
        });
        torch.manual_seed(3);
        var images = torch.rand(1, 3, 16, 16);
        var baselines = torch.zeros_like(images);
        var classIds = torch.tensor(new long[] { 4 });
        var mask = torch.full(1, 1, 16, 16, 0.5f);
        var terms = new[] { new PathTerm(PathKind.Deletion, mask) };

        var f32 = new IntegratedGradient(model, steps: 4, noiseStd: 0);
        var bf16 = new IntegratedGradient(model, steps: 4, noiseStd: 0) { Precision = ModelPrecision.BFloat16 };
        using var a = f32.Compute(images, baselines, classIds, terms, 1, computeGradients: true);
        seen.Should().OnlyContain(t => t == ScalarType.Float32);
        seen.Clear();
        using var b = bf16.Compute(images, baselines, classIds, terms, 1, computeGradients: true);
        remover.remove();

        seen.Should().NotBeEmpty().And.OnlyContain(t => t == ScalarType.BFloat16, "autocast runs the convolutions in bfloat16");
        b.Scores.dtype.Should().Be(ScalarType.Float32);
        b.Gradients![0].dtype.Should().Be(ScalarType.Float32);
        var scoreDiff = (a.Scores - b.Scores).abs().max().item<float>();
        scoreDiff.Should().BeGreaterThan(0, "bfloat16 rounds differently").And.BeLessThan(0.02f);
        var gradA = a.Gradients![0].flatten();
        var gradB = b.Gradients[0].flatten();
        var cosine = (gradA.dot(gradB) / (gradA.norm() * gradB.norm())).item<float>();
        TestContext.Out.WriteLine($"score diff {scoreDiff:G3}, gradient cosine {cosine:G6}");
        cosine.Should().BeGreaterThan(0.99f);
        using var after = model.call(images);
        after.dtype.Should().Be(ScalarType.Float32, "the autocast state of the thread is restored after the pass");
    }

    [Test]
    public void Explain_BFloat16OnPlantedConvModel_MapsAndAucCloseToFloat32()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new ConvPlantedModel(size: 32, top: 8, left: 12, side: 12);
        torch.manual_seed(8);
        var images = model.MakeImage().unsqueeze(0).repeat(6, 1, 1, 1) + 0.1 * torch.randn(6, 1, 32, 32);
        var classIds = new long[] { 1, 1, 1, 1, 1, 1 };
        var f32Options = Small with { Iterations = 8, IntegrationSteps = 8, Precision = ModelPrecision.Float32 };
        var f32 = new IgosPlusPlusExplainer(model, f32Options).Explain(images, classIds);
        var bf16 = new IgosPlusPlusExplainer(model, f32Options with { Precision = ModelPrecision.BFloat16 }).Explain(images, classIds);
        var metric = new InsertionDeletionMetric(model);

        var correlations = new List<double>();
        var maxDiff = 0.0;
        var deletion = new List<double>();
        var insertion = new List<double>();
        for (var i = 0; i < classIds.Length; i++)
        {
            var a = f32[i].Saliency.flatten().to(ScalarType.Float64);
            var b = bf16[i].Saliency.flatten().to(ScalarType.Float64);
            correlations.Add(torch.corrcoef(torch.stack([a, b]))[0, 1].item<double>());
            maxDiff = Math.Max(maxDiff, (a - b).abs().max().item<double>());
            var ra = metric.Evaluate(images[i], f32[i]);
            var rb = metric.Evaluate(images[i], bf16[i]);
            deletion.Add(rb.DeletionAuc - ra.DeletionAuc);
            insertion.Add(rb.InsertionAuc - ra.InsertionAuc);
            bf16[i].Mask.dtype.Should().Be(ScalarType.Float32);
            bf16[i].DeletionMask!.dtype.Should().Be(ScalarType.Float32);
            bf16[i].InsertionMask!.dtype.Should().Be(ScalarType.Float32);
            bf16[i].Mask.Should().BeInRange(0, 1);
            bf16[i].Trace.Iterations.Should().OnlyContain(t => double.IsFinite(t.Loss) && t.Scores.All(double.IsFinite));
        }

        TestContext.Out.WriteLine($"correlation {string.Join(" ", correlations.Select(c => c.ToString("F6", CultureInfo.InvariantCulture)))}, max |map difference| {maxDiff:G3}");
        TestContext.Out.WriteLine($"deletion AUC diff {string.Join(" ", deletion.Select(c => c.ToString("G3", CultureInfo.InvariantCulture)))}");
        TestContext.Out.WriteLine($"insertion AUC diff {string.Join(" ", insertion.Select(c => c.ToString("G3", CultureInfo.InvariantCulture)))}");
        // Measured (seed 8): correlations 1.000000, max |map difference| 9.9e-5, AUC differences 0 to 3 digits. The bounds
        // leave two orders of magnitude for other CPUs' bfloat16 kernels; a difference of exactly 0 would mean the passes
        // did not run in bfloat16.
        correlations.Should().OnlyContain(c => c > 0.99);
        maxDiff.Should().BeGreaterThan(0).And.BeLessThan(0.01);
        deletion.Should().OnlyContain(d => Math.Abs(d) < 0.01);
        insertion.Should().OnlyContain(d => Math.Abs(d) < 0.01);
        foreach (var m in f32.Concat(bf16)) m.Dispose();
    }

    [Test]
    public void Explain_BFloat16_UserModelBitIdenticalAndFloat32_AlsoAfterCancellation()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn(channels: 3);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        torch.manual_seed(2);
        var image = torch.rand(3, 16, 16);
        using var explainer = new IgosPlusPlusExplainer(model, Small);

        explainer.Explain(image, 3).Dispose();
        ShouldBeUnchanged(model, before);

        using var cts = new CancellationTokenSource();
        FluentActions.Invoking(() => explainer.Explain(image, 3, new SyncProgress(_ => cts.Cancel()), cts.Token))
            .Should().Throw<OperationCanceledException>();
        ShouldBeUnchanged(model, before);
        using var output = model.call(image.unsqueeze(0));
        output.dtype.Should().Be(ScalarType.Float32, "a cancelled explanation leaves no autocast behind on the thread");
    }

    [Test]
    public void Explain_BFloat16_ModelThrowsDuringPass_ModelUnchangedAndAutocastOff()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new FailingAfter(TestModels.SmallCnn(channels: 3), calls: 3);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var image = torch.rand(3, 16, 16);

        FluentActions.Invoking(() => new IgosPlusPlusExplainer(model, Small).Explain(image, 1))
            .Should().Throw<InvalidOperationException>().WithMessage("boom");
        ShouldBeUnchanged(model, before);
        using var conv = nn.Conv2d(3, 2, 3);
        using var output = conv.call(image.unsqueeze(0));
        output.dtype.Should().Be(ScalarType.Float32);
    }

    [Test]
    public void Explain_Float16OnCpu_ThrowsNamingTheOption()
    {
        using var model = TestModels.SmallCnn(channels: 3);
        using var image = torch.rand(3, 16, 16);
        using var explainer = new IgosPlusPlusExplainer(model, Small with { Precision = ModelPrecision.Float16 });

        FluentActions.Invoking(() => explainer.Explain(image, 1)).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "options.Precision" && e.Message.Contains("CUDA"));
    }

    [Test]
    public void Constructor_UnknownPrecision_Throws()
    {
        using var model = TestModels.SmallCnn();
        FluentActions.Invoking(() => new IgosExplainer(model, new IgosOptions { Precision = (ModelPrecision)7 }))
            .Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "options.Precision");
    }

    [Test]
    public void Explain_BFloat16_SameSeedBitIdentical_BatchEqualsEachImageAlone()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn(channels: 3);
        torch.manual_seed(5);
        var images = torch.rand(2, 3, 16, 16);
        using var explainer = new IgosPlusPlusExplainer(model, Small);

        var maps = explainer.Explain(images, [2L, 7L]);
        using var first = explainer.Explain(images[0], 2);
        using var again = explainer.Explain(images[0], 2);
        using var second = explainer.Explain(images[1], 7);
        using var f32 = new IgosPlusPlusExplainer(model, Small with { Precision = ModelPrecision.Float32 }).Explain(images[0], 2);

        first.Mask.Should().BeEqualTo(again.Mask);
        first.DeletionMask!.Should().BeEqualTo(again.DeletionMask!);
        maps[0].Mask.Should().BeEqualTo(first.Mask);
        maps[1].Mask.Should().BeEqualTo(second.Mask);
        maps[0].Trace.Iterations.Select(t => t.Loss).Should().Equal(first.Trace.Iterations.Select(t => t.Loss));
        using var same = first.Mask.eq(f32.Mask).all();
        same.item<bool>().Should().BeFalse("the bfloat16 run must not be the float32 one");
        foreach (var m in maps) m.Dispose();
    }

    [Test]
    public void Explain_BFloat16_HundredTimes_LeavesNoLiveTensors()
    {
        using var model = TestModels.SmallCnn(channels: 3);
        using var image = torch.rand(3, 12, 12);
        using var explainer = new IgosPlusPlusExplainer(model, Small with { MaskSize = 4, Iterations = 2, IntegrationSteps = 2 });
        explainer.Explain(image, 1).Dispose(); // warm-up
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 100; i++)
            explainer.Explain(image, i % 10).Dispose();

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    private static void ShouldBeUnchanged(nn.Module model, Dictionary<string, Tensor> before)
    {
        var now = model.state_dict();
        now.Keys.Should().BeEquivalentTo(before.Keys);
        foreach (var (name, tensor) in now)
        {
            tensor.dtype.Should().Be(before[name].dtype, name);
            tensor.bytes.ToArray().Should().Equal(before[name].bytes.ToArray(), $"{name} must be bit-identical");
        }

        model.parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float32);
    }

    /// <summary>
    /// <see cref="TestModels.PlantedEvidenceModel"/> computed with a convolution and a linear layer, the ops autocast
    /// runs in bfloat16: class 1's logit is a·(mean over the square of x⊙P − 0.5), P a ±1 checkerboard.
    /// </summary>
    private sealed class ConvPlantedModel : nn.Module<Tensor, Tensor>
    {
        private readonly TestModels.PlantedEvidenceModel _planted;
        private readonly TorchSharp.Modules.Conv2d _evidence;
        private readonly TorchSharp.Modules.Linear _logits;

        public ConvPlantedModel(int size, int top, int left, int side, double gain = 8) : base(nameof(ConvPlantedModel))
        {
            _planted = new TestModels.PlantedEvidenceModel(size, top, left, side, gain);
            _evidence = nn.Conv2d(1, 1, size, bias: false);
            _logits = nn.Linear(1, 2);
            using (torch.no_grad())
            {
                _evidence.weight!.copy_(_planted.get_buffer("pattern")!.unsqueeze(0) / (side * side));
                _logits.weight!.copy_(torch.tensor(new[] { 0f, (float)gain }).view(2, 1));
                _logits.bias!.copy_(torch.tensor(new[] { 0f, (float)(-gain / 2) }));
            }

            RegisterComponents();
        }

        public Tensor MakeImage() => _planted.MakeImage();

        public override Tensor forward(Tensor x) => _logits.call(_evidence.call(x).flatten(1));
    }

    private sealed class SyncProgress(Action<ExplanationProgress> onReport) : IProgress<ExplanationProgress>
    {
        public void Report(ExplanationProgress value) => onReport(value);
    }

    /// <summary>Delegates to a model and throws on its <c>calls</c>-th call (the probe is call 1).</summary>
    private sealed class FailingAfter : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> _inner;
        private readonly int _calls;
        private int _count;

        public FailingAfter(nn.Module<Tensor, Tensor> inner, int calls) : base(nameof(FailingAfter))
        {
            _inner = inner;
            _calls = calls;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) =>
            ++_count >= _calls ? throw new InvalidOperationException("boom") : _inner.call(x);
    }
}
