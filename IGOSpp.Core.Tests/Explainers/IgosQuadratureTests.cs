using FluentAssertions;
using IGOSpp.Integration;
using IGOSpp.Perturbation;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

/// <summary>The I-GOS family's <see cref="IgosOptionsBase.Quadrature"/>: where the path images go, what they cost, and
/// that determinism, batching and the reference loop hold for every rule.</summary>
public sealed class IgosQuadratureTests
{
    private const int Size = 28;
    private const int Top = 6;
    private const int Left = 14;
    private const int Side = 8;

    public static IEnumerable<TestCaseData> Rules()
    {
        yield return new TestCaseData(QuadratureRule.RightRiemann, 4);
        yield return new TestCaseData(QuadratureRule.Trapezoid, 4);
        yield return new TestCaseData(QuadratureRule.GaussLegendre, 3);
    }

    [TestCaseSource(nameof(Rules))]
    public void Explain_EveryRule_SameSeedBitIdenticalAndBatchEqualsEachImageAlone(QuadratureRule rule, int steps)
    {
        // The planted-evidence model, on which the masks leave 1 within a few iterations (on a random CNN they barely
        // move, and frozen masks would pass every equality here); the second image is the first with noise on it.
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        torch.manual_seed(5);
        var image = model.MakeImage();
        var images = torch.stack([image, image + 0.2 * torch.randn_like(image)], 0);
        var options = new IgosPlusPlusOptions { MaskSize = 14, Iterations = 3, IntegrationSteps = steps, Quadrature = rule, Seed = 9 };
        using var explainer = new IgosPlusPlusExplainer(model, options);

        var maps = explainer.Explain(images, [1L, 1L]);
        using var first = explainer.Explain(images[0], 1);
        using var again = new IgosPlusPlusExplainer(model, options).Explain(images[0], 1);
        using var second = explainer.Explain(images[1], 1);

        maps[0].Mask.Should().BeEqualTo(first.Mask, "model passes never mix images, whatever the rule");
        maps[1].Mask.Should().BeEqualTo(second.Mask);
        again.DeletionMask!.Should().BeEqualTo(first.DeletionMask!);
        again.InsertionMask!.Should().BeEqualTo(first.InsertionMask!);
        foreach (var m in maps)
            (1 - m.Mask).max().item<float>().Should().BeGreaterThan(0.05f, "the masks left 1 (a frozen loop would pass the equalities)");
        foreach (var m in maps) m.Dispose();
    }

    [TestCaseSource(nameof(Rules))]
    public void Explain_EveryRule_ReferenceLoopGivesTheFusedLoopsMaps(QuadratureRule rule, int steps)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        var image = model.MakeImage();
        var options = new IgosPlusPlusOptions { Seed = 1, Iterations = 4, IntegrationSteps = steps, Quadrature = rule };
        using var fused = new IgosPlusPlusExplainer(model, options);
        using var reference = new IgosPlusPlusExplainer(model, options) { ObjectiveSeam = ReferenceLoopObjective.Seam };

        using var a = fused.Explain(image, 1);
        using var b = reference.Explain(image, 1);

        (a.DeletionMask! - b.DeletionMask!).abs().max().item<float>().Should().BeLessThan(1e-4f);
        (a.InsertionMask! - b.InsertionMask!).abs().max().item<float>().Should().BeLessThan(1e-4f);
        (1 - a.Mask).max().item<float>().Should().BeGreaterThan(0.05f, "the masks moved");
        a.Trace.Iterations.Select(t => t.LineSearchTrials).Should().Equal(b.Trace.Iterations.Select(t => t.LineSearchTrials));
        b.Trace.ForwardImages.Should().Be(a.Trace.ForwardImages + 4 * 4 * steps, "the reference recomputes L(M) with 4·S forward images per iteration");
    }

    /// <summary>I-GOS on an image of ones with a zero baseline and no noise: at iteration 0 (masks at 1) the gradient pass's
    /// path images are α_k everywhere, so the model sees the rule's nodes.</summary>
    [TestCaseSource(nameof(Rules))]
    public void Explain_GradientPassPlacesThePathImagesAtTheRulesNodes(QuadratureRule rule, int steps)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new CountingModel(new TestModels.LinearModel(torch.full(1, 8, 8, 0.1f), 0));
        var options = new IgosOptions
        {
            MaskSize = 4, Iterations = 1, IntegrationSteps = steps, Quadrature = rule, NoiseStd = 0, Baseline = new ConstantBaseline(0),
            Optimizer = OptimizerKind.FixedStep, InitialStepSize = 0.1, Seed = 1,
        };

        using var map = new IgosExplainer(model, options).Explain(torch.ones(1, 8, 8), 1);

        model.GradientMeans.Should().Equal(Quadrature.Create(rule, steps).Nodes, (a, b) => Math.Abs(a - b) < 1e-6);
    }

    /// <summary>Model images per explanation are T·S per evaluation: with S path points the counting module sees
    /// 4·S·Iterations images with gradients and 4·S per line-search trial without, whatever the rule.</summary>
    [TestCase(QuadratureRule.RightRiemann, 20)]
    [TestCase(QuadratureRule.GaussLegendre, 10)]
    [TestCase(QuadratureRule.GaussLegendre, 5)]
    [TestCase(QuadratureRule.Trapezoid, 5)]
    public void Explain_ModelImagesAreProportionalToTheNumberOfPathPoints(QuadratureRule rule, int steps)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new CountingModel(TestModels.SmallCnn());
        torch.manual_seed(5);
        var image = torch.randn(1, 16, 16);
        var options = new IgosPlusPlusOptions
        {
            MaskSize = 8, Iterations = 3, IntegrationSteps = steps, Quadrature = rule, Seed = 9, MaxBatchSize = 16, EarlyStopTolerance = null,
        };

        using var map = new IgosPlusPlusExplainer(model, options).Explain(image, 2);

        var trials = map.Trace.Iterations.Sum(t => t.LineSearchTrials);
        map.Trace.Iterations.Should().HaveCount(3);
        model.GradientImages.Should().Be(3 * 4 * steps);
        map.Trace.BackwardImages.Should().Be(model.GradientImages);
        model.ForwardOnlyImages.Should().Be(4 * steps * trials, "4·S per line-search trial");
        map.Trace.ForwardImages.Should().Be(model.ForwardOnlyImages + 1, "the trace counts the clean image's score too");
    }

    /// <summary>
    /// The line search's L and the gradient pass use one rule: with noise on, the loss of a gradient pass equals the
    /// loss of a no-gradient evaluation of the same masks at the same (iteration, evaluation), and its direction's
    /// integrated part is ∂/∂M of the terms the trials compare (checked by central differences with the noise fixed).
    /// </summary>
    [TestCaseSource(nameof(Rules))]
    public void Objective_GradientPassAndTrialsEvaluateTheSameFunction(QuadratureRule rule, int steps)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(12);
        using var model = TestModels.SmoothCnn();
        model.eval();
        var image = torch.randn(1, 1, 8, 8);
        var options = new IgosOptions { NoiseStd = 0.3, IntegrationSteps = steps, Quadrature = rule, L1 = 0, L2 = 0 };
        var ig = new IntegratedGradient(model, steps, options.NoiseStd) { Quadrature = rule };
        using var objective = new IgosObjective(ig, image, new GaussianBlurBaseline().Create(image),
            [IGOSpp.Targets.ExplanationTarget.ClassProbability(1)], options.ToMethod(), options, 3);
        var mask = torch.rand(1, 1, 4, 4) * 0.5 + 0.25;

        double Loss(Tensor m)
        {
            using var e = objective.Evaluate([m], null, 2, 5, false, CancellationToken.None);
            return e.Loss[0].to(ScalarType.Float64).item<double>();
        }

        using var pass = objective.Evaluate([mask], null, 2, 5, true, CancellationToken.None);
        pass.Loss[0].item<float>().Should().BeApproximately((float)Loss(mask), 1e-6f);
        var grad = pass.Gradients![0];
        var scale = grad.abs().max().item<float>();
        const float eps = 1e-2f;
        foreach (var (i, j) in new[] { (0, 0), (1, 2), (3, 3) })
        {
            var plus = mask.clone();
            plus[0, 0, i, j] += eps;
            var minus = mask.clone();
            minus[0, 0, i, j] -= eps;
            var fd = (Loss(plus) - Loss(minus)) / (2 * eps);
            grad[0, 0, i, j].item<float>().Should().BeApproximately((float)fd, 0.02f * scale + 1e-5f, $"cell ({i},{j})");
        }
    }

    /// <summary>Counts the images it sees with and without gradients after its first call (the clean image's score, which
    /// the explainers take before optimizing) and records the mean of every image of a gradient pass.</summary>
    private sealed class CountingModel : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> _inner;
        private bool _probed;

        public CountingModel(nn.Module<Tensor, Tensor> inner) : base(nameof(CountingModel))
        {
            _inner = inner;
            RegisterComponents();
        }

        public long GradientImages { get; private set; }

        public long ForwardOnlyImages { get; private set; }

        public List<double> GradientMeans { get; } = [];

        public override Tensor forward(Tensor x)
        {
            if (!_probed)
            {
                _probed = true;
            }
            else if (torch.is_grad_enabled())
            {
                GradientImages += x.shape[0];
                using var host = x.detach().flatten(1).mean([1]).to(ScalarType.Float64).cpu();
                GradientMeans.AddRange(host.data<double>().ToArray());
            }
            else
            {
                ForwardOnlyImages += x.shape[0];
            }

            return _inner.call(x);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
