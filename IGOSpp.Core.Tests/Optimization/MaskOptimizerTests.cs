using FluentAssertions;
using IGOSpp.Optimization;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Optimization;

/// <summary>
/// The line search on a quadratic objective L(m) = ‖m − c‖² (gradient 2(m − c)), where every trial can be computed by
/// hand. A 2×2 mask starts at 1 with c = 0.5: L = 1, g = 1 per cell, ‖g‖² = 4. From α = 1000 (decay 0.2) the steps
/// 1000, 200, 40, 8 and 1.6 all clamp the mask to 0 (L = 1, no decrease), and α = 0.32 gives m = 0.68, L = 0.1296: the
/// Armijo test L' ≤ L − 1e-4·α·‖g‖² first passes at the 6th trial. From m = 0.68 (g = 0.36) the same happens again:
/// 1.6 gives m = 0.104 (L = 0.627 &gt; 0.1296), 0.32 gives m = 0.5648 (L = 0.0168).
/// </summary>
public sealed class MaskOptimizerTests
{
    private static readonly MaskOptimizerOptions Cold = new() { Iterations = 3, LineSearchWarmStart = false };

    [Test]
    public void Optimize_LineSearch_AcceptsTheFirstStepThatPassesArmijo()
    {
        using var result = Run(Cold);

        var trace = result.Traces[0];
        trace.Select(t => t.LineSearchTrials).Should().Equal(6, 6, 6);
        trace.Should().OnlyContain(t => Math.Abs(t.StepSize - 0.32) < 1e-9);
        trace[0].Loss.Should().BeApproximately(1.0, 1e-6);
        trace[0].LossAfterStep.Should().BeApproximately(0.1296, 1e-6);
        trace[1].LossAfterStep.Should().BeApproximately(4 * 0.0648 * 0.0648, 1e-6);
    }

    [Test]
    public void Optimize_WarmStart_StartsFromThePreviousStepOverDecayAndReachesTheSameMasks()
    {
        using var cold = Run(Cold);
        using var warm = Run(Cold with { LineSearchWarmStart = true });

        // Iteration 0 starts at InitialStepSize; later ones at 0.32 / 0.2 = 1.6, which fails, then 0.32 passes.
        warm.Traces[0].Select(t => t.LineSearchTrials).Should().Equal(6, 2, 2);
        warm.Traces[0].Should().OnlyContain(t => Math.Abs(t.StepSize - 0.32) < 1e-9);
        cold.Masks[0].max().item<float>().Should().BeLessThan(0.56f, "the masks moved from 1 toward 0.5");
        var difference = (warm.Masks[0] - cold.Masks[0]).abs().max().item<float>();
        difference.Should().BeLessThan(1e-6f);
    }

    [Test]
    public void Optimize_WarmStart_NeverStartsAboveInitialStepSize()
    {
        // With c = 0 every step that clamps the mask to 0 is the exact minimizer, so α = InitialStepSize = 1000 passes
        // at once; the warm start (1000 / 0.2 = 5000) is capped at 1000 and passes at once too.
        using var result = Run(Cold with { LineSearchWarmStart = true }, target: 0f);

        result.Traces[0].Select(t => t.LineSearchTrials).Should().Equal(1, 1, 1);
        result.Traces[0].Should().OnlyContain(t => t.StepSize == 1000);
    }

    [Test]
    public void Optimize_LineSearch_EvaluationIndexIsZeroForTheGradientPassAndTheTrialNumberForEachTrial()
    {
        // Two images, targets 0.5 and 0: the second passes at α = 1000 (trial 1), the first at 0.32 (trial 6); trials 2–6
        // evaluate only the first image, and every call of an iteration has its own evaluation index.
        using var scope = torch.NewDisposeScope();
        var spy = new Quadratic(torch.tensor(new[] { 0.5f, 0f }).view(2, 1, 1, 1), sampleCount: 2);
        using var result = new MaskOptimizer(Cold with { Iterations = 2 }).Optimize(spy, [torch.ones(2, 1, 2, 2)]);

        var expected = new List<(int, int, bool, string)>();
        for (var it = 0; it < 2; it++)
        {
            expected.Add((it, 0, true, "all"));
            expected.Add((it, 1, false, "0,1"));
            for (var trial = 2; trial <= 6; trial++) expected.Add((it, trial, false, "0"));
        }

        spy.Calls.Should().Equal(expected);
        result.Traces[1].Select(t => t.LineSearchTrials).Should().Equal(1, 1);
    }

    [Test]
    public void Optimize_WarmStart_AfterAStepAtTheFloorStartsAgainFromInitialStepSize()
    {
        // Iteration 0 gets an ascent direction: all 12 trials (1000 … 2e-5) fail and 4.1e-6 is taken untested. The next
        // search starts at 1000 again (6 trials, 0.32, as from a cold start), not at 4.1e-6 / 0.2 = 2e-5, which passes at
        // once and would keep the step at the floor.
        using var result = Run(Cold with { Iterations = 2, LineSearchWarmStart = true }, ascentAtIteration0: true);

        var trace = result.Traces[0];
        trace[0].LineSearchTrials.Should().Be(12);
        trace[0].StepSize.Should().BeApproximately(1000 * Math.Pow(0.2, 12), 1e-12);
        trace[0].LossAfterStep.Should().Be(double.NaN);
        trace[1].LineSearchTrials.Should().Be(6);
        trace[1].StepSize.Should().BeApproximately(0.32, 1e-9);
    }

    [TestCase(2, 0.80)]
    [TestCase(3, 0.708)]
    public void Optimize_Nesterov_FollowsTheHandComputedTrajectory(int iterations, double expected)
    {
        // α = 0.1, c = 0.5, m = 1, g = 2(m − c); θ_i = m − α·g, m ← θ_i + e_i·(θ_i − θ_{i−1}), e_i = i/(i+3):
        // i = 0: θ = 0.9, m = 0.9; i = 1: g = 0.8, θ = 0.82, m = 0.82 + ¼·(0.82 − 0.9) = 0.80;
        // i = 2: g = 0.6, θ = 0.74, m = 0.74 + 0.4·(0.74 − 0.82) = 0.708. A plain fixed step gives 0.82 and 0.756.
        using var result = Run(new MaskOptimizerOptions { Iterations = iterations, Optimizer = OptimizerKind.Nesterov, InitialStepSize = 0.1 });

        result.Masks[0].data<float>().ToArray().Should().OnlyContain(v => Math.Abs(v - expected) < 1e-6);
        result.Traces[0].Should().OnlyContain(t => t.StepSize == 0.1 && t.LineSearchTrials == 0);
    }

    [Test]
    public void Defaults_WarmStartIsOnForIgosPlusPlusAndOffForTheBareOptimizer()
    {
        new IgosPlusPlusOptions().LineSearchWarmStart.Should().BeTrue();
        new MaskOptimizerOptions().LineSearchWarmStart.Should().BeFalse();
    }

    private static MaskOptimizationResult Run(MaskOptimizerOptions options, float target = 0.5f, bool ascentAtIteration0 = false)
    {
        using var scope = torch.NewDisposeScope();
        using var start = torch.ones(1, 1, 2, 2);
        var objective = new Quadratic(torch.tensor(target)) { AscentAtIteration0 = ascentAtIteration0 };
        var result = new MaskOptimizer(options).Optimize(objective, [start]);
        return result;
    }
}
