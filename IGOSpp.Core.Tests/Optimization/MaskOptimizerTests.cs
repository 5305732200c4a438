using FluentAssertions;
using IGOSpp.Optimization;
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
    public void Defaults_WarmStartIsOnForIgosPlusPlusAndOffForTheBareOptimizer()
    {
        new IgosPlusPlusOptions().LineSearchWarmStart.Should().BeTrue();
        new MaskOptimizerOptions().LineSearchWarmStart.Should().BeFalse();
    }

    private static MaskOptimizationResult Run(MaskOptimizerOptions options, float target = 0.5f)
    {
        using var scope = torch.NewDisposeScope();
        using var start = torch.ones(1, 1, 2, 2);
        var result = new MaskOptimizer(options).Optimize(new Quadratic(target), [start]);
        return result;
    }

    /// <summary>L(m) = ‖m − c‖² per image, with its exact gradient.</summary>
    private sealed class Quadratic(float target) : IMaskObjective
    {
        public long SampleCount => 1;

        public ObjectiveEvaluation Evaluate(IReadOnlyList<Tensor> masks, Tensor? samples, int iteration, bool computeGradients,
            CancellationToken cancellationToken)
        {
            using var scope = torch.NewDisposeScope();
            var difference = masks[0] - target;
            var loss = difference.square().flatten(1).sum(1);
            var terms = torch.zeros(loss.shape[0], ObjectiveEvaluation.TermCount);
            Tensor[]? gradients = computeGradients ? [(2 * difference).MoveToOuterDisposeScope()] : null;
            return new ObjectiveEvaluation(loss.MoveToOuterDisposeScope(), terms.MoveToOuterDisposeScope(), gradients);
        }
    }
}
