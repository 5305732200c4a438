using FluentAssertions;
using IGOSpp.Integration;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Integration;

public sealed class IntegratedGradientTests
{
    private const int Steps = 5;

    /// <summary>Closed form for f = σ(w·x + b): scores and ∂/∂U for deletion and insertion paths (float64).</summary>
    private static (Tensor Score, Tensor Grad) ClosedForm(Tensor w, double b, Tensor image, Tensor baseline, Tensor u, PathKind kind)
    {
        var w64 = w.to(ScalarType.Float64);
        var delta = (image - baseline).to(ScalarType.Float64);
        var start = (kind == PathKind.Deletion ? baseline : image).to(ScalarType.Float64);
        var sign = kind == PathKind.Deletion ? 1.0 : -1.0;
        var u64 = u.to(ScalarType.Float64);
        var score = torch.zeros(image.shape[0], ScalarType.Float64);
        var grad = torch.zeros_like(u64);
        for (var k = 1; k <= Steps; k++)
        {
            var a = (double)k / Steps;
            var x = start + sign * a * u64 * delta;
            var z = (x * w64).flatten(1).sum(1) + b;
            var s = z.sigmoid();
            score += s / Steps;
            var ds = (s * (1 - s)).view(-1, 1, 1, 1);
            grad += ds * sign * a * (w64 * delta).sum(1, keepdim: true) / Steps;
        }

        return (score, grad);
    }

    [TestCase(PathKind.Deletion, 64)]
    [TestCase(PathKind.Insertion, 64)]
    [TestCase(PathKind.Deletion, 3)]
    [TestCase(PathKind.Insertion, 1)]
    public void Compute_LinearScoreModel_MatchesClosedForm(PathKind kind, int maxBatch)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(5);
        var w = torch.randn(2, 6, 6) * 0.3;
        const double b = 0.2;
        using var model = new TestModels.LinearModel(w, b);
        var image = torch.randn(2, 2, 6, 6);
        var baseline = torch.randn(2, 2, 6, 6) * 0.1;
        var u = torch.rand(2, 1, 6, 6);
        var classes = torch.tensor(new long[] { 1, 1 });
        var ig = new IntegratedGradient(model, Steps, noiseStd: 0, maxBatchSize: maxBatch);

        using var result = ig.Compute(image, baseline, classes, [new PathTerm(kind, u)], noiseSeed: 1, computeGradients: true);

        var (score, grad) = ClosedForm(w, b, image, baseline, u, kind);
        result.Scores[0].Should().BeCloseTo(score, rtol: 1e-5, atol: 1e-6);
        result.Gradients![0].Should().BeCloseTo(grad, rtol: 1e-4, atol: 1e-6);
    }

    [Test]
    public void Compute_SeveralTerms_EqualsOneTermAtATime()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(6);
        using var model = TestModels.SmoothCnn();
        var image = torch.randn(3, 1, 8, 8);
        var baseline = torch.zeros(3, 1, 8, 8);
        var classes = torch.tensor(new long[] { 0, 1, 2 });
        var u1 = torch.rand(3, 1, 8, 8);
        var u2 = torch.rand(3, 1, 8, 8);
        PathTerm[] terms = [new(PathKind.Deletion, u1), new(PathKind.Insertion, u2), new(PathKind.Insertion, u1)];
        var fused = new IntegratedGradient(model, Steps, noiseStd: 0.2, maxBatchSize: 7);
        var single = new IntegratedGradient(model, Steps, noiseStd: 0.2, maxBatchSize: 64);

        using var all = fused.Compute(image, baseline, classes, terms, noiseSeed: 42, computeGradients: true);
        for (var t = 0; t < terms.Length; t++)
        {
            using var one = single.Compute(image, baseline, classes, [terms[t]], noiseSeed: 42, computeGradients: true);
            all.Scores[t].Should().BeCloseTo(one.Scores[0], rtol: 1e-5, atol: 1e-6);
            all.Gradients![t].Should().BeCloseTo(one.Gradients![0], rtol: 1e-4, atol: 1e-6);
        }

        fused.BackwardImages.Should().Be(3 * Steps * 3);
    }

    [TestCase(QuadratureRule.RightRiemann)]
    [TestCase(QuadratureRule.GaussLegendre)]
    public void Compute_BatchAcrossImages_PacksFullPassesAndMatchesPerImagePasses(QuadratureRule rule)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        using var inner = TestModels.SmoothCnn();
        using var model = new BatchRecorder(inner);
        var image = torch.randn(3, 1, 8, 8);
        var baseline = torch.zeros(3, 1, 8, 8);
        var classes = torch.tensor(new long[] { 0, 1, 2 }); // a pass that scored every row with its first image's class fails
        var u = torch.rand(3, 1, 8, 8);
        PathTerm[] terms = [new(PathKind.Deletion, u), new(PathKind.Insertion, u, 1)];
        var perImage = new IntegratedGradient(model, Steps, noiseStd: 0.2, maxBatchSize: 16) { Quadrature = rule };
        var packed = new IntegratedGradient(model, Steps, noiseStd: 0.2, maxBatchSize: 16) { Quadrature = rule, BatchAcrossImages = true };

        using var expected = perImage.Compute(image, baseline, classes, terms, noiseSeed: 3, computeGradients: true);
        model.Sizes.Should().Equal([10, 10, 10], "each image's 2·5 path images make a pass of their own");
        model.Sizes.Clear();
        using var actual = packed.Compute(image, baseline, classes, terms, noiseSeed: 3, computeGradients: true);

        model.Sizes.Should().Equal([16, 14], "30 path images cut into passes of at most 16, across image boundaries");
        actual.Scores.Should().BeCloseTo(expected.Scores, rtol: 1e-5, atol: 1e-7);
        for (var t = 0; t < terms.Length; t++) actual.Gradients![t].Should().BeCloseTo(expected.Gradients![t], rtol: 1e-4, atol: 1e-7);
        packed.BackwardImages.Should().Be(perImage.BackwardImages).And.Be(30);
    }

    [Test]
    public void PlanChunks_BatchAcrossImages_CutsOneSequenceImageThenTermThenStep()
    {
        using var model = TestModels.SmoothCnn();
        var packed = new IntegratedGradient(model, steps: 3, maxBatchSize: 4) { BatchAcrossImages = true };

        var chunks = packed.PlanChunks(termCount: 2, n: 2).ToList();

        // Items per image: (t0: k 1..3), (t1: k 1..3); 12 items in passes of 4.
        chunks.Should().HaveCount(3);
        chunks[0].Should().Equal(new IntegratedGradient.ChunkGroup(0, 0, 3, 0, 1), new IntegratedGradient.ChunkGroup(1, 0, 1, 0, 1));
        chunks[1].Should().Equal(new IntegratedGradient.ChunkGroup(1, 1, 3, 0, 1), new IntegratedGradient.ChunkGroup(0, 0, 2, 1, 1));
        chunks[2].Should().Equal(new IntegratedGradient.ChunkGroup(0, 2, 3, 1, 1), new IntegratedGradient.ChunkGroup(1, 0, 3, 1, 1));
        new IntegratedGradient(model, steps: 3, maxBatchSize: 4).PlanChunks(2, 2).Should()
            .HaveCount(4, "without packing each image's 6 items take two passes");
    }

    /// <summary>Forwards to a model and records the batch size of every pass.</summary>
    private sealed class BatchRecorder : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> _inner;

        public BatchRecorder(nn.Module<Tensor, Tensor> inner) : base(nameof(BatchRecorder))
        {
            _inner = inner;
            RegisterComponents();
        }

        public List<long> Sizes { get; } = [];

        public override Tensor forward(Tensor input)
        {
            Sizes.Add(input.shape[0]);
            return _inner.call(input);
        }
    }

    [Test]
    public void Compute_SmallCnnWithoutNoise_GradientMatchesCentralFiniteDifferences()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(8);
        using var model = TestModels.SmoothCnn();
        model.eval();
        var image = torch.randn(1, 1, 8, 8);
        var baseline = torch.randn(1, 1, 8, 8) * 0.1;
        var classes = torch.tensor(new long[] { 2 });
        var u = torch.rand(1, 1, 8, 8).to(ScalarType.Float32);
        var ig = new IntegratedGradient(model, Steps, noiseStd: 0);

        foreach (var kind in new[] { PathKind.Deletion, PathKind.Insertion })
        {
            using var result = ig.Compute(image, baseline, classes, [new PathTerm(kind, u)], 0, computeGradients: true);
            var grad = result.Gradients![0];
            var scale = grad.abs().max().item<float>();
            const float eps = 1e-2f;
            foreach (var (i, j) in new[] { (0, 0), (3, 4), (7, 7), (5, 1), (2, 6) })
            {
                var plus = u.clone();
                plus[0, 0, i, j] += eps;
                var minus = u.clone();
                minus[0, 0, i, j] -= eps;
                using var rp = ig.Compute(image, baseline, classes, [new PathTerm(kind, plus)], 0, computeGradients: false);
                using var rm = ig.Compute(image, baseline, classes, [new PathTerm(kind, minus)], 0, computeGradients: false);
                var fd = (rp.Scores[0, 0].item<float>() - rm.Scores[0, 0].item<float>()) / (2 * eps);
                grad[0, 0, i, j].item<float>().Should().BeApproximately(fd, 0.02f * scale + 1e-5f, $"{kind} at ({i},{j})");
            }
        }
    }

    [Test]
    public void Compute_SameSeed_SameScores_DifferentSeed_DifferentScores()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(9);
        using var model = TestModels.SmoothCnn();
        var image = torch.randn(1, 1, 8, 8);
        var baseline = torch.zeros(1, 1, 8, 8);
        var classes = torch.tensor(new long[] { 0 });
        var u = torch.rand(1, 1, 8, 8);
        var ig = new IntegratedGradient(model, Steps, noiseStd: 0.5);
        PathTerm[] terms = [new(PathKind.Deletion, u)];

        using var a = ig.Compute(image, baseline, classes, terms, 1, false);
        using var b = ig.Compute(image, baseline, classes, terms, 1, false);
        using var c = ig.Compute(image, baseline, classes, terms, 2, false);

        a.Scores.Should().BeEqualTo(b.Scores);
        (a.Scores - c.Scores).abs().max().item<float>().Should().BeGreaterThan(0);
    }

    [Test]
    public void Compute_InvalidArguments_Throw()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmoothCnn();
        var ig = new IntegratedGradient(model, Steps);
        var image = torch.randn(1, 1, 8, 8);
        var classes = torch.tensor(new long[] { 0 });
        PathTerm[] terms = [new(PathKind.Deletion, torch.rand(1, 1, 8, 8))];
        FluentActions.Invoking(() => ig.Compute(image, torch.zeros(1, 1, 8, 7), classes, terms, 0, false))
            .Should().Throw<ArgumentException>().WithParameterName("baselines");
        FluentActions.Invoking(() => ig.Compute(image, torch.zeros(1, 1, 8, 8), torch.tensor(new long[] { 0, 1 }), terms, 0, false))
            .Should().Throw<ArgumentException>().WithParameterName("classIds");
        FluentActions.Invoking(() => ig.Compute(image, torch.zeros(1, 1, 8, 8), classes, [new PathTerm(PathKind.Deletion, torch.rand(1, 1, 4, 4))], 0, false))
            .Should().Throw<ArgumentException>().WithParameterName("terms");
        FluentActions.Invoking(() => new IntegratedGradient(model, 0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("steps");
        FluentActions.Invoking(() => new IntegratedGradient(model, 5, -1)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("noiseStd");
        FluentActions.Invoking(() => new IntegratedGradient(model, 5, maxBatchSize: 0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("maxBatchSize");
    }
}
