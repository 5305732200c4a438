using FluentAssertions;
using IGOSpp.Integration;
using IGOSpp.Perturbation;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

/// <summary>The I-GOS family's early stop (<see cref="IgosOptionsBase.EarlyStopTolerance"/>) and the <c>Paper</c>
/// presets.</summary>
public sealed class IgosEarlyStopAndPresetTests
{
    [Test]
    public void Explain_EarlyStopAfterTwoIterations_SameMapAsTwoIterationsAndTheStopInTheTrace()
    {
        // A tolerance above 1 is met by every step (masks live in [0,1]), so the optimization stops after
        // EarlyStopIterations = 2 iterations: same masks and noise as running 2 iterations, at 2/5 of the gradient passes.
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        torch.manual_seed(5);
        var image = torch.randn(1, 16, 16);
        var options = new IgosPlusPlusOptions { MaskSize = 8, Iterations = 5, IntegrationSteps = 4, Seed = 9, EarlyStopTolerance = null };

        using var stopped = new IgosPlusPlusExplainer(model, options with { EarlyStopTolerance = 1.5, EarlyStopIterations = 2 }).Explain(image, 2);
        using var two = new IgosPlusPlusExplainer(model, options with { Iterations = 2 }).Explain(image, 2);
        using var five = new IgosPlusPlusExplainer(model, options).Explain(image, 2);

        stopped.Trace.StoppedEarlyAt.Should().Be(1);
        stopped.Trace.Iterations.Should().HaveCount(2);
        stopped.Trace.Iterations.Should().OnlyContain(t => t.MaskChange >= 0 && t.MaskChange <= 1);
        stopped.DeletionMask!.Should().BeEqualTo(two.DeletionMask!);
        stopped.InsertionMask!.Should().BeEqualTo(two.InsertionMask!);
        stopped.Trace.BackwardImages.Should().Be(2 * 4 * 4);
        five.Trace.BackwardImages.Should().Be(5 * 4 * 4);
        five.Trace.StoppedEarlyAt.Should().BeNull();
        five.Trace.Iterations.Should().OnlyContain(t => double.IsNaN(t.MaskChange), "no early stop, no mask change read");
    }

    /// <summary>Image 0 is its own baseline (I − Ĩ = 0): no path image depends on the masks and the regularizer's gradient
    /// at M = 1 is 0 up to the rounding of the upsampled mask, so its masks move by about 1e-6 per iteration and it stops
    /// after 2 iterations; image 1 (the planted-evidence image) moves by more than 1e-4 in every iteration, goes on, and
    /// ends as when explained alone.</summary>
    [Test]
    public void Explain_EarlyStopInABatch_TheOtherImagesEndAsWhenExplainedAlone()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(28, 6, 14, 8);
        var images = torch.stack([torch.zeros(1, 28, 28), model.MakeImage()], 0);
        var options = new IgosPlusPlusOptions
        {
            MaskSize = 14, Iterations = 4, IntegrationSteps = 4, Seed = 9, Baseline = new ConstantBaseline(0),
            EarlyStopTolerance = 1e-4, EarlyStopIterations = 2,
        };
        using var explainer = new IgosPlusPlusExplainer(model, options);

        var maps = explainer.Explain(images, [1L, 1L]);
        using var second = explainer.Explain(images[1], 1);

        maps[0].Trace.StoppedEarlyAt.Should().Be(1);
        maps[0].Trace.Iterations.Should().OnlyContain(t => t.MaskChange < 1e-5);
        (1 - maps[0].Mask).abs().max().item<float>().Should().BeLessThan(1e-4f);
        maps[1].Trace.StoppedEarlyAt.Should().BeNull();
        maps[1].Trace.Iterations.Should().HaveCount(4).And.OnlyContain(t => t.MaskChange >= 1e-4,
            string.Join(", ", maps[1].Trace.Iterations.Select(t => t.MaskChange)));
        maps[1].DeletionMask!.Should().BeEqualTo(second.DeletionMask!);
        maps[1].InsertionMask!.Should().BeEqualTo(second.InsertionMask!);
        foreach (var m in maps) m.Dispose();
    }

    [Test]
    public void Paper_IgosPlusPlus_IsThePapersSettingsAndOneOptionFromTheDefaults()
    {
        var paper = IgosPlusPlusOptions.Paper;
        AssertPaperCommon(paper);
        paper.LineSearchWarmStart.Should().BeFalse("the paper restarts every line search at InitialStepSize");
        paper.BtvSigma.Should().Be(0.01);
        paper.BilateralTV.Should().BeTrue();
        var defaults = new IgosPlusPlusOptions();
        defaults.LineSearchWarmStart.Should().BeTrue();
        defaults.Quadrature.Should().Be(QuadratureRule.Trapezoid);
        defaults.IntegrationSteps.Should().Be(10);
        defaults.EarlyStopTolerance.Should().Be(1e-3);
        defaults.EarlyStopIterations.Should().Be(2);
        Comparable(defaults with { LineSearchWarmStart = false, Quadrature = QuadratureRule.RightRiemann, IntegrationSteps = 20, EarlyStopTolerance = null })
            .Should().Be(Comparable(paper), "the defaults differ from the paper in these four settings only");
        Comparable(defaults).Should().NotBe(Comparable(paper));
        ReferenceEquals(IgosPlusPlusOptions.Paper, IgosPlusPlusOptions.Paper).Should().BeFalse("a new instance each time");
    }

    [Test]
    public void Paper_IgosAndIgosPlus_AreThePapersSettings()
    {
        AssertPaperCommon(IgosOptions.Paper);
        AssertPaperCommon(IgosPlusOptions.Paper);
        IgosPlusOptions.Paper.BtvSigma.Should().Be(0.01);
        Comparable(new IgosOptions()).Should().Be(Comparable(IgosOptions.Paper));
        Comparable(new IgosPlusOptions()).Should().Be(Comparable(IgosPlusOptions.Paper));
    }

    private static void AssertPaperCommon(IgosOptionsBase o)
    {
        o.MaskSize.Should().Be(28);
        o.Iterations.Should().Be(15);
        o.IntegrationSteps.Should().Be(20);
        o.Quadrature.Should().Be(QuadratureRule.RightRiemann);
        o.NoiseStd.Should().Be(0.2);
        o.L1.Should().Be(1);
        o.L2.Should().Be(20);
        o.TvBeta.Should().Be(2);
        o.Optimizer.Should().Be(OptimizerKind.LineSearch);
        o.InitialStepSize.Should().Be(1000);
        o.ArmijoBeta.Should().Be(1e-4);
        o.StepDecay.Should().Be(0.2);
        o.MinStepSize.Should().Be(1e-5);
        o.EarlyStopTolerance.Should().BeNull();
        o.ToOptimizerOptions().LineSearchWarmStart.Should().BeFalse();
        o.Baseline.Should().BeOfType<GaussianBlurBaseline>();
        o.InitialMask.Should().Be(MaskInitialization.Ones);
        o.Score.Should().Be(ScoreFunction.Softmax);
        o.Validate();
    }

    /// <summary>The options with the baseline (a class, compared by reference) replaced by its description.</summary>
    private static string Comparable(IgosOptionsBase o) => (o with { Baseline = new ConstantBaseline(0) }).ToString() + o.Baseline;
}
