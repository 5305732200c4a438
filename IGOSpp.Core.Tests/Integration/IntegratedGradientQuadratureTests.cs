using FluentAssertions;
using IGOSpp.Integration;
using IGOSpp.Targets;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Integration;

/// <summary>
/// The quadrature rule of the integrated scores and gradients. On a 4×4 image of ones with a zero baseline and U = 1, the
/// deletion path image k is α_k everywhere and the insertion path image 1 − α_k, so a model that reports the mean pixel
/// shows the nodes, and a model whose score is (mean pixel)³ has the path score α³ (deletion) or (1 − α)³ (insertion),
/// whose integrals and gradients are known by hand.
/// </summary>
public sealed class IntegratedGradientQuadratureTests
{
    private const int Pixels = 16;

    private static readonly double GaussLow = 0.5 - 0.5 / Math.Sqrt(3);
    private static readonly double GaussHigh = 0.5 + 0.5 / Math.Sqrt(3);

    public static IEnumerable<TestCaseData> Nodes()
    {
        yield return new TestCaseData(QuadratureRule.RightRiemann, new[] { 0.5, 1.0 });
        yield return new TestCaseData(QuadratureRule.Trapezoid, new[] { 0.0, 1.0 });
        yield return new TestCaseData(QuadratureRule.Trapezoid, new[] { 0.0, 0.5, 1.0 });
        yield return new TestCaseData(QuadratureRule.GaussLegendre, new[] { GaussLow, GaussHigh });
    }

    [TestCaseSource(nameof(Nodes))]
    public void Compute_PathImagesSitAtTheRulesNodes(QuadratureRule rule, double[] nodes)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new MeanPower(1);
        var ig = new IntegratedGradient(model, nodes.Length, noiseStd: 0) { Quadrature = rule };

        foreach (var kind in new[] { PathKind.Deletion, PathKind.Insertion })
        {
            model.Seen.Clear();
            using var result = ig.Compute(torch.ones(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), [ExplanationTarget.ClassLogit(0)],
                [new PathTerm(kind, torch.ones(1, 1, 4, 4))], noiseSeed: 1, computeGradients: true);

            var expected = kind == PathKind.Deletion ? nodes : nodes.Select(a => 1 - a).ToArray();
            model.Seen.Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-6, $"{kind} path images");
        }

        ig.Nodes.Should().Equal(nodes, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Test]
    public void Weights_TwoPointRules_AreTheTextbookOnes()
    {
        using var model = new MeanPower(1);
        new IntegratedGradient(model, 2).Weights.Should().Equal(0.5, 0.5);
        new IntegratedGradient(model, 2) { Quadrature = QuadratureRule.Trapezoid }.Weights.Should().Equal(0.5, 0.5);
        new IntegratedGradient(model, 3) { Quadrature = QuadratureRule.Trapezoid }.Weights.Should().Equal(0.25, 0.5, 0.25);
        new IntegratedGradient(model, 2) { Quadrature = QuadratureRule.GaussLegendre }.Weights
            .Should().Equal([0.5, 0.5], (a, b) => Math.Abs(a - b) < 1e-14);
        new IntegratedGradient(model, 2).Quadrature.Should().Be(QuadratureRule.RightRiemann, "the paper's rule is the default");
    }

    /// <summary>
    /// Deletion: ∫₀¹ α³ dα = 1/4; the right Riemann sum gives (S + 1)²/(4S²) (0.5625 at S = 2, 0.275625 at S = 20), the
    /// trapezoid 1/4 + 1/(4(S−1)²) (0.5 at S = 2, 0.265625 at S = 5), Gauss–Legendre 1/4 from S = 2 (exact to degree 2S−1).
    /// At U = 1 the gradient of every cell is 3·(Σ w_k α_k³)/16. Insertion: ∫(1 − α)³ = 1/4, with the Riemann sum
    /// (S − 1)²/(4S²); its gradient is −3·(Σ w_k α_k(1 − α_k)²)/16, whose sum is 1/12 exactly and 0.0625, 0.083125, 0, 0.078125
    /// for Riemann S = 2, S = 20, trapezoid S = 2, S = 5.
    /// </summary>
    [TestCase(QuadratureRule.RightRiemann, 2, 0.5625, 0.0625, 0.0625)]
    [TestCase(QuadratureRule.RightRiemann, 20, 0.275625, 0.225625, 0.083125)]
    [TestCase(QuadratureRule.Trapezoid, 2, 0.5, 0.5, 0.0)]
    [TestCase(QuadratureRule.Trapezoid, 5, 0.265625, 0.265625, 0.078125)]
    [TestCase(QuadratureRule.GaussLegendre, 2, 0.25, 0.25, 1.0 / 12)]
    [TestCase(QuadratureRule.GaussLegendre, 5, 0.25, 0.25, 1.0 / 12)]
    public void Compute_CubicPathScore_ScoresAndGradientsAreTheRulesSums(QuadratureRule rule, int steps, double deletion, double insertion,
        double insertionMoment)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new MeanPower(3);
        var ig = new IntegratedGradient(model, steps, noiseStd: 0, maxBatchSize: 3) { Quadrature = rule };
        var ones = torch.ones(1, 1, 4, 4);

        using var result = ig.Compute(ones, torch.zeros(1, 1, 4, 4), [ExplanationTarget.ClassLogit(0)],
            [new PathTerm(PathKind.Deletion, ones), new PathTerm(PathKind.Insertion, ones)], noiseSeed: 1, computeGradients: true);

        result.Scores[0, 0].item<float>().Should().BeApproximately((float)deletion, 1e-6f);
        result.Scores[1, 0].item<float>().Should().BeApproximately((float)insertion, 1e-6f);
        result.Gradients![0].data<float>().ToArray().Should().OnlyContain(g => Math.Abs(g - 3 * deletion / Pixels) < 1e-6);
        result.Gradients![1].data<float>().ToArray().Should().OnlyContain(g => Math.Abs(g + 3 * insertionMoment / Pixels) < 1e-6);
        ig.BackwardImages.Should().Be(2 * steps, "one path image per node and term, whatever the rule");
    }

    [Test]
    public void Compute_GaussLegendreWithFewPoints_BeatsTheRiemannSumWithMany()
    {
        // The iGOS++ setting: the paper's S = 20 Riemann sum against Gauss–Legendre with 5 points, on the cubic path score.
        using var scope = torch.NewDisposeScope();
        using var model = new MeanPower(3);
        var ones = torch.ones(1, 1, 4, 4);
        float Deletion(IntegratedGradient ig)
        {
            using var r = ig.Compute(ones, torch.zeros(1, 1, 4, 4), [ExplanationTarget.ClassLogit(0)], [new PathTerm(PathKind.Deletion, ones)], 1, false);
            return r.Scores[0, 0].item<float>();
        }

        var riemann = Deletion(new IntegratedGradient(model, 20, 0));
        var gauss = Deletion(new IntegratedGradient(model, 5, 0) { Quadrature = QuadratureRule.GaussLegendre });

        Math.Abs(gauss - 0.25f).Should().BeLessThan(1e-6f);
        (riemann - 0.25f).Should().BeApproximately(0.025625f, 1e-6f, "the right Riemann sum's bias 1/(2S) + 1/(4S²)");
    }

    [Test]
    public void Quadrature_UnknownRuleOrTrapezoidWithOneStep_Throws()
    {
        using var model = new MeanPower(1);
        FluentActions.Invoking(() => new IntegratedGradient(model, 4) { Quadrature = (QuadratureRule)7 })
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Quadrature");
        FluentActions.Invoking(() => new IntegratedGradient(model, 1) { Quadrature = QuadratureRule.Trapezoid })
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Quadrature").Where(e => e.Message.Contains("2 steps"));
        new IntegratedGradient(model, 1) { Quadrature = QuadratureRule.GaussLegendre }.Nodes.Should().Equal(0.5);
    }

    /// <summary>One output: (mean over C,H,W of x)^p; records the mean of every image it sees (in call order).</summary>
    private sealed class MeanPower(int power) : nn.Module<Tensor, Tensor>(nameof(MeanPower))
    {
        public List<double> Seen { get; } = [];

        public override Tensor forward(Tensor x)
        {
            var mean = x.flatten(1).mean([1]);
            using (var host = mean.detach().to(ScalarType.Float64).cpu())
                Seen.AddRange(host.data<double>().ToArray());
            return mean.pow(power).unsqueeze(1);
        }
    }
}
