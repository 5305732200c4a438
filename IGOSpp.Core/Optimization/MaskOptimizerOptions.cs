namespace IGOSpp.Optimization;

/// <summary>Settings of a <see cref="MaskOptimizer"/>; the defaults are the paper's.</summary>
public sealed record MaskOptimizerOptions
{
    /// <summary>Number of iterations, ≥ 1. Default 15.</summary>
    public int Iterations { get; init; } = 15;

    /// <summary>Step rule. Default <see cref="OptimizerKind.LineSearch"/>.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.LineSearch;

    /// <summary>First step size of each line search, or the fixed step of Nesterov / FixedStep, &gt; 0. Default 1000.</summary>
    public double InitialStepSize { get; init; } = 1000;

    /// <summary>Armijo constant β in (0,1): accept when L(M') ≤ L(M) − β·α·‖g‖². Default 1e-4.</summary>
    public double ArmijoBeta { get; init; } = 1e-4;

    /// <summary>Factor in (0,1) by which a rejected step shrinks. Default 0.2.</summary>
    public double StepDecay { get; init; } = 0.2;

    /// <summary>The line search stops shrinking once α is below this, &gt; 0. Default 1e-5.</summary>
    public double MinStepSize { get; init; } = 1e-5;

    /// <summary>
    /// Start each iteration's line search from the previous accepted step ÷ <see cref="StepDecay"/> (capped at
    /// <see cref="InitialStepSize"/>) instead of <see cref="InitialStepSize"/>: fewer model passes. Default false.
    /// </summary>
    public bool LineSearchWarmStart { get; init; }

    /// <summary>
    /// Early stop: an image stops iterating once max |M_{i+1} − M_i| over all its mask cells (the low-resolution masks,
    /// values in [0,1]) was below this value in <see cref="EarlyStopIterations"/> consecutive iterations; its masks are
    /// then final and its trace ends there (<see cref="MaskOptimizationResult.StoppedEarlyAt"/>). The other images of a
    /// batch go on, so a batch still equals its images optimized alone. Finite and &gt; 0, or null for no early stop.
    /// Default null. Costs one small device-to-host read per iteration when set.
    /// </summary>
    public double? EarlyStopTolerance { get; init; }

    /// <summary>How many consecutive iterations must change the masks by less than <see cref="EarlyStopTolerance"/>
    /// before an image stops, ≥ 1. Default 2. Ignored without a tolerance.</summary>
    public int EarlyStopIterations { get; init; } = 2;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    /// <param name="paramName">Name to report for the options object.</param>
    public void Validate(string paramName = "options")
    {
        Check(Iterations >= 1, nameof(Iterations), Iterations, "must be ≥ 1");
        Check(Enum.IsDefined(Optimizer), nameof(Optimizer), Optimizer, "is not a known optimizer");
        Check(InitialStepSize > 0 && double.IsFinite(InitialStepSize), nameof(InitialStepSize), InitialStepSize, "must be finite and > 0");
        Check(ArmijoBeta > 0 && ArmijoBeta < 1, nameof(ArmijoBeta), ArmijoBeta, "must be in (0, 1)");
        Check(StepDecay > 0 && StepDecay < 1, nameof(StepDecay), StepDecay, "must be in (0, 1)");
        Check(MinStepSize > 0 && double.IsFinite(MinStepSize), nameof(MinStepSize), MinStepSize, "must be finite and > 0");
        Check(MinStepSize <= InitialStepSize, nameof(MinStepSize), MinStepSize, $"must be ≤ InitialStepSize ({InitialStepSize})");
        Check(EarlyStopTolerance is null || (EarlyStopTolerance > 0 && double.IsFinite(EarlyStopTolerance.Value)), nameof(EarlyStopTolerance),
            EarlyStopTolerance!, "must be null (no early stop) or finite and > 0");
        Check(EarlyStopIterations >= 1, nameof(EarlyStopIterations), EarlyStopIterations, "must be ≥ 1");

        void Check(bool ok, string name, object value, string rule)
        {
            if (!ok) throw new ArgumentOutOfRangeException($"{paramName}.{name}", value, $"{name} {rule}; got {value}.");
        }
    }
}
