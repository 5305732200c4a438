using FluentAssertions;
using IGOSpp.Optimization;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Optimization;

/// <summary>
/// The early stop on the quadratic L(m) = ‖m − c‖² (g = 2(m − c)) from m = 1. With c = 1 the masks start at the minimum:
/// g = 0 and every step changes nothing. With c = 0 and a fixed step of 0.01 the masks shrink by 2 % per iteration,
/// m_i = 0.98^i, so the change of iteration i is 0.02·0.98^i (0.02, 0.0196, 0.019208, 0.01882…): a tolerance of 0.0195
/// is first met at iteration 2.
/// </summary>
public sealed class MaskOptimizerEarlyStopTests
{
    private static readonly MaskOptimizerOptions Shrinking = new() { Iterations = 10, Optimizer = OptimizerKind.FixedStep, InitialStepSize = 0.01 };

    [Test]
    public void Optimize_ConvergedProblem_StopsAfterTheGivenNumberOfQuietIterations()
    {
        using var scope = torch.NewDisposeScope();
        var spy = new Quadratic(torch.tensor(1f));
        using var result = new MaskOptimizer(new MaskOptimizerOptions { Iterations = 10, EarlyStopTolerance = 1e-6, EarlyStopIterations = 2 })
            .Optimize(spy, [torch.ones(1, 1, 2, 2)]);

        result.StoppedEarlyAt.Should().Equal(1);
        result.Traces[0].Should().HaveCount(2);
        result.Traces[0].Select(t => t.MaskChange).Should().Equal(0, 0);
        spy.Calls.Max(c => c.Iteration).Should().Be(1, "no model pass after the stop");
    }

    [Test]
    public void Optimize_MasksStillMoving_RunsEveryIterationAndRecordsTheChanges()
    {
        using var scope = torch.NewDisposeScope();
        using var result = new MaskOptimizer(Shrinking with { EarlyStopTolerance = 1e-3 }).Optimize(new Quadratic(torch.tensor(0f)), [torch.ones(1, 1, 2, 2)]);

        result.StoppedEarlyAt.Should().Equal([null]);
        result.Traces[0].Should().HaveCount(10);
        for (var i = 0; i < 10; i++)
            result.Traces[0][i].MaskChange.Should().BeApproximately(0.02 * Math.Pow(0.98, i), 1e-6);
        result.Masks[0].data<float>().ToArray().Should().OnlyContain(v => Math.Abs(v - Math.Pow(0.98, 10)) < 1e-5);
    }

    [TestCase(1, 2)]
    [TestCase(2, 3)]
    [TestCase(3, 4)]
    public void Optimize_ChangeBelowTolerance_StopsAfterThatManyConsecutiveIterations(int patience, int expectedStop)
    {
        using var scope = torch.NewDisposeScope();
        using var result = new MaskOptimizer(Shrinking with { EarlyStopTolerance = 0.0195, EarlyStopIterations = patience })
            .Optimize(new Quadratic(torch.tensor(0f)), [torch.ones(1, 1, 2, 2)]);

        result.StoppedEarlyAt.Should().Equal(expectedStop);
        result.Traces[0].Should().HaveCount(expectedStop + 1);
        result.Masks[0].data<float>().ToArray().Should().OnlyContain(v => Math.Abs(v - Math.Pow(0.98, expectedStop + 1)) < 1e-6);
    }

    [Test]
    public void Optimize_ConditionMetAtTheLastIteration_IsNotAnEarlyStop()
    {
        using var scope = torch.NewDisposeScope();
        using var result = new MaskOptimizer(Shrinking with { Iterations = 4, EarlyStopTolerance = 0.0195, EarlyStopIterations = 2 })
            .Optimize(new Quadratic(torch.tensor(0f)), [torch.ones(1, 1, 2, 2)]);

        result.StoppedEarlyAt.Should().Equal([null]);
        result.Traces[0].Should().HaveCount(4);
    }

    [Test]
    public void Optimize_Off_RecordsNoMaskChange()
    {
        using var scope = torch.NewDisposeScope();
        using var result = new MaskOptimizer(Shrinking with { Iterations = 3 }).Optimize(new Quadratic(torch.tensor(1f)), [torch.ones(1, 1, 2, 2)]);

        result.StoppedEarlyAt.Should().Equal([null]);
        result.Traces[0].Should().HaveCount(3).And.OnlyContain(t => double.IsNaN(t.MaskChange));
    }

    /// <summary>Two images, c = 1 (converged) and c = 0.5: the first stops after iteration 1, the second goes on alone —
    /// later calls evaluate only image 1, under its own index — and ends where it ends when optimized by itself.</summary>
    [TestCase(OptimizerKind.LineSearch)]
    [TestCase(OptimizerKind.Nesterov)]
    public void Optimize_Batch_StoppedImageLeavesTheOthersAsIfAlone(OptimizerKind optimizer)
    {
        using var scope = torch.NewDisposeScope();
        var options = new MaskOptimizerOptions
        {
            Iterations = 4, Optimizer = optimizer, InitialStepSize = optimizer == OptimizerKind.Nesterov ? 0.1 : 1000,
            EarlyStopTolerance = 1e-6, EarlyStopIterations = 2,
        };
        var spy = new Quadratic(torch.tensor(new[] { 1f, 0.5f }).view(2, 1, 1, 1), sampleCount: 2);
        using var batch = new MaskOptimizer(options).Optimize(spy, [torch.ones(2, 1, 2, 2)]);
        using var alone = new MaskOptimizer(options).Optimize(new Quadratic(torch.tensor(new[] { 0.5f }).view(1, 1, 1, 1)), [torch.ones(1, 1, 2, 2)]);

        batch.StoppedEarlyAt.Should().Equal(1, null);
        batch.Traces[0].Should().HaveCount(2);
        batch.Traces[1].Should().HaveCount(4);
        batch.Masks[0][0].Should().BeEqualTo(torch.ones(1, 2, 2), "a stopped image keeps its masks");
        batch.Masks[0][1].Should().BeEqualTo(alone.Masks[0][0]);
        batch.Traces[1].Select(t => t.StepSize).Should().Equal(alone.Traces[0].Select(t => t.StepSize));
        spy.Calls.Where(c => c.Iteration >= 2).Should().OnlyContain(c => c.Samples == "1");
    }

    [TestCase(0.0)]
    [TestCase(-1.0)]
    [TestCase(double.NaN)]
    [TestCase(double.PositiveInfinity)]
    public void Validate_BadTolerance_ThrowsNamingIt(double tolerance) =>
        FluentActions.Invoking(() => new MaskOptimizer(new MaskOptimizerOptions { EarlyStopTolerance = tolerance }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("options.EarlyStopTolerance");

    [Test]
    public void Validate_NoQuietIterations_ThrowsNamingIt() =>
        FluentActions.Invoking(() => new MaskOptimizer(new MaskOptimizerOptions { EarlyStopTolerance = 1e-3, EarlyStopIterations = 0 }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("options.EarlyStopIterations");
}
