using FluentAssertions;
using IGOSpp.Integration;
using IGOSpp.Perturbation;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

public sealed class IntegratedGradientsExplainerTests
{
    private const int Size = 28, Top = 6, Left = 14, Side = 8;

    /// <summary>|Σ attr − (f(x) − f(x'))| for the class-1 probability of a linear model, f = σ(w·x + b).</summary>
    private static double CompletenessError(QuadratureRule rule, int steps)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(2);
        using var model = new TestModels.LinearModel(torch.randn(1, 6, 6) * 0.5, 0.3);
        var image = torch.randn(1, 1, 6, 6);
        using var explainer = new IntegratedGradientsExplainer(model,
            new IntegratedGradientsOptions { IntegrationSteps = steps, Quadrature = rule, Baseline = new ConstantBaseline(0) });
        using var attr = explainer.Attribute(image, [1L]);
        using var noGrad = torch.no_grad();
        var fx = model.call(image).softmax(1)[0, 1].item<float>();
        var f0 = model.call(torch.zeros_like(image)).softmax(1)[0, 1].item<float>();
        return Math.Abs(attr.sum().item<float>() - (fx - f0));
    }

    [Test]
    public void Attribute_LinearModel_CompletenessHoldsAndGaussLegendreConvergesFastest()
    {
        var gauss = CompletenessError(QuadratureRule.GaussLegendre, 8);
        var riemann = CompletenessError(QuadratureRule.RightRiemann, 8);
        var trapezoid = CompletenessError(QuadratureRule.Trapezoid, 8);

        gauss.Should().BeLessThan(1e-5, "8 Gauss–Legendre nodes integrate a smooth sigmoid almost exactly");
        CompletenessError(QuadratureRule.RightRiemann, 400).Should().BeLessThan(riemann / 10);
        gauss.Should().BeLessThan(riemann).And.BeLessThan(trapezoid);
    }

    [Test]
    public void Attribute_SmoothCnn_SumsToScoreDifference()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmoothCnn();
        torch.manual_seed(6);
        var images = torch.randn(2, 1, 8, 8);
        var baseline = new GaussianBlurBaseline();
        using var explainer = new IntegratedGradientsExplainer(model,
            new IntegratedGradientsOptions { IntegrationSteps = 24, MaxBatchSize = 10 });

        using var attr = explainer.Attribute(images, [0L, 2L]);

        attr.shape.Should().Equal(2, 1, 8, 8);
        using var noGrad = torch.no_grad();
        var fx = model.call(images).softmax(1);
        var fb = model.call(baseline.Create(images)).softmax(1);
        var expected = torch.stack([fx[0, 0] - fb[0, 0], fx[1, 2] - fb[1, 2]]);
        attr.flatten(1).sum(1).Should().BeCloseTo(expected, rtol: 1e-3, atol: 1e-5);
    }

    [Test]
    public void Explain_PlantedEvidence_TopCellsFallInsideTheSquare()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        using var explainer = new IntegratedGradientsExplainer(model, new IntegratedGradientsOptions { IntegrationSteps = 10 });

        using var map = explainer.Explain(model.MakeImage(), 1);

        // The gradient is exactly 0 outside the square, so only pixels inside get attribution; chance is 0.08 and
        // we ask for ≥ 0.6 (inside pixels that equal their blurred value get none).
        PlantedRanking.TopCellsInside(map.Saliency, Size, Top, Left, Side).Should().BeGreaterThanOrEqualTo(0.6);
        map.Mask.Should().BeInRange(0, 1);
        map.Method.Should().Be("Integrated Gradients");
    }

    [Test]
    public void Explain_Resolution_PoolsAndIsDeterministic()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        torch.manual_seed(7);
        var image = torch.randn(1, 16, 16);
        var options = new IntegratedGradientsOptions { IntegrationSteps = 6, Resolution = 4 };
        var progress = new List<ExplanationProgress>();

        using var a = new IntegratedGradientsExplainer(model, options).Explain(image, 2, new IgosExplainerTests.Progress(progress));
        using var b = new IntegratedGradientsExplainer(model, options).Explain(image, 2);
        using var full = new IntegratedGradientsExplainer(model, options with { Resolution = null }).Explain(image, 2);

        a.Saliency.shape.Should().Equal(4, 4);
        a.Saliency.Should().BeEqualTo(b.Saliency);
        a.Mask.Should().BeInRange(0, 1);
        a.Saliency.Should().BeCloseTo(nn.functional.avg_pool2d(full.Saliency.view(1, 1, 16, 16), 4)[0, 0], 1e-5, 1e-8);
        progress.Should().HaveCount(1);
    }

    [TestCase("IntegrationSteps")]
    [TestCase("Resolution")]
    [TestCase("MaxBatchSize")]
    [TestCase("Quadrature")]
    public void Constructor_InvalidOption_ThrowsNamingTheOption(string name)
    {
        var o = new IntegratedGradientsOptions();
        var bad = name switch
        {
            "IntegrationSteps" => o with { IntegrationSteps = 1, Quadrature = QuadratureRule.Trapezoid },
            "Resolution" => o with { Resolution = 0 },
            "MaxBatchSize" => o with { MaxBatchSize = 0 },
            _ => o with { Quadrature = (QuadratureRule)5 },
        };
        using var model = TestModels.SmallCnn();
        FluentActions.Invoking(() => new IntegratedGradientsExplainer(model, bad))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == $"options.{name}");
    }
}
