using FluentAssertions;
using IGOSpp.Integration;
using IGOSpp.Perturbation;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

public sealed class IgosPlusPlusObjectiveTests
{
    /// <summary>
    /// The descent direction is ∇ of J = ½·[D(Ux) − Ins(Uy) + D(Uxy) − Ins(Uxy)] + R(Mx⊙My): check it against central
    /// finite differences of J, computed from the objective's own terms, through the upsampling.
    /// </summary>
    [Test]
    public void Evaluate_Direction_MatchesFiniteDifferencesOfHalfScoresPlusRegularizer()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(12);
        using var model = TestModels.SmoothCnn();
        model.eval();
        var image = torch.randn(1, 1, 8, 8);
        var options = new IgosPlusPlusOptions { NoiseStd = 0, IntegrationSteps = 4, L1 = 1, L2 = 2, BtvSigma = 0.5 };
        var baseline = new GaussianBlurBaseline().Create(image);
        var ig = new IntegratedGradient(model, options.IntegrationSteps, 0);
        using var objective = new IgosObjective(ig, image, baseline, [IGOSpp.Targets.ExplanationTarget.ClassProbability(1)], options.ToMethod(), options, 0);
        var mx = torch.rand(1, 1, 4, 4) * 0.5 + 0.25;
        var my = torch.rand(1, 1, 4, 4) * 0.5 + 0.25;

        double J(Tensor x, Tensor y)
        {
            using var e = objective.Evaluate([x, y], null, 0, 0, false, CancellationToken.None);
            var t = e.Scores[0].to(ScalarType.Float64).data<double>().ToArray();
            return 0.5 * (t[0] - t[1] + t[2] - t[3]) + e.Regularizer[0].to(ScalarType.Float64).item<double>();
        }

        using var eval = objective.Evaluate([mx, my], null, 0, 0, true, CancellationToken.None);
        const float eps = 1e-2f;
        for (var m = 0; m < 2; m++)
        {
            var grad = eval.Gradients![m];
            var scale = grad.abs().max().item<float>();
            foreach (var (i, j) in new[] { (0, 0), (1, 2), (3, 3), (2, 0) })
            {
                var plus = (m == 0 ? mx : my).clone();
                plus[0, 0, i, j] += eps;
                var minus = (m == 0 ? mx : my).clone();
                minus[0, 0, i, j] -= eps;
                var fd = m == 0 ? (J(plus, my) - J(minus, my)) / (2 * eps) : (J(mx, plus) - J(mx, minus)) / (2 * eps);
                grad[0, 0, i, j].item<float>().Should().BeApproximately((float)fd, 0.02f * scale + 1e-5f, $"mask {m} at ({i},{j})");
            }
        }

        var terms = eval.Scores[0].data<float>().ToArray();
        eval.Loss[0].item<float>().Should().BeApproximately(terms[0] - terms[1] + terms[2] - terms[3] + eval.Regularizer[0].item<float>(), 1e-5f);
    }

    /// <summary>
    /// Path noise per evaluation and per term, as in the paper: the same (iteration, evaluation) gives bit-identical
    /// values, another evaluation or iteration new noise. At Mx = My = 1 the terms D(Ux) and D(Uxy) integrate the same
    /// path, so they differ only through their noise: independent streams make them differ; with the noise shared (the
    /// earlier behaviour) they are equal and every evaluation of an iteration sees the same noise.
    /// </summary>
    [Test]
    public void Evaluate_Noise_NewPerEvaluationAndPerTerm_SharedOnlyWhenAsked()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(13);
        using var model = TestModels.SmoothCnn();
        model.eval();
        var image = torch.randn(1, 1, 8, 8);
        var baseline = new GaussianBlurBaseline().Create(image);
        var ones = torch.ones(1, 1, 4, 4);

        float[] Terms(bool shared, int iteration, int evaluation)
        {
            var options = new IgosPlusPlusOptions { IntegrationSteps = 4, NoiseStd = 0.3, ShareNoiseAcrossEvaluations = shared };
            using var objective = new IgosObjective(new IntegratedGradient(model, 4, 0.3), image, baseline,
                [IGOSpp.Targets.ExplanationTarget.ClassProbability(1)], options.ToMethod(), options, 7);
            using var e = objective.Evaluate([ones, ones], null, iteration, evaluation, false, CancellationToken.None);
            return e.Scores[0].data<float>().ToArray();
        }

        var a = Terms(false, 2, 1);
        Terms(false, 2, 1).Should().Equal(a);
        Terms(false, 2, 2).Should().NotEqual(a);
        Terms(false, 3, 1).Should().NotEqual(a);
        a[0].Should().NotBe(a[2], "D(Ux) and D(Uxy) draw independent noise");
        a[1].Should().NotBe(a[3], "Ins(Uy) and Ins(Uxy) draw independent noise");

        var s = Terms(true, 2, 1);
        s[0].Should().Be(s[2]);
        s[1].Should().Be(s[3]);
        Terms(true, 2, 5).Should().Equal(s, "shared noise: every evaluation of an iteration sees the same draw");
        Terms(true, 3, 1).Should().NotEqual(s);
    }
}
