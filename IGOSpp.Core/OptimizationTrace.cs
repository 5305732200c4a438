namespace IGOSpp;

/// <summary>What one iteration of a mask optimization did, for one image.</summary>
/// <param name="Iteration">0-based iteration index.</param>
/// <param name="Loss">The objective at the start of the iteration (the masks the gradient was taken at).</param>
/// <param name="Scores">The objective's scores at those masks, named by <see cref="OptimizationTrace.ScoreNames"/>: for
/// iGOS++ the integrated D(Ux), Ins(Uy), D(Ux·Uy), Ins(Ux·Uy); for iGOS+ D(U), Ins(U); for I-GOS D(U); for Mask the class
/// score of the masked image.</param>
/// <param name="Regularizer">The regularizer R of the (combined) mask.</param>
/// <param name="StepSize">The step size taken in this iteration.</param>
/// <param name="LossAfterStep">The objective at the accepted masks when the line search evaluated it, else NaN.</param>
/// <param name="LineSearchTrials">How many candidate steps the line search evaluated (0 without line search).</param>
public sealed record IterationTrace(
    int Iteration,
    double Loss,
    IReadOnlyList<double> Scores,
    double Regularizer,
    double StepSize,
    double LossAfterStep,
    int LineSearchTrials)
{
    /// <summary>
    /// The mean class score over all path images of the iteration's gradient pass (the mean of its integrated scores)
    /// divided by the class score of the clean image; NaN when the explainer does not compute it (or the clean score is
    /// not positive). At iteration 0 every mask is 1, so the path images are the image's own noisy path from the
    /// baseline: a value far below 1 there means that the path noise (NoiseStd) alone destroys the model's score (see
    /// <see cref="ExplanationWarningKind.NoisyPathScoreCollapse"/>). Later values also reflect what the masks delete.
    /// </summary>
    public double PathScoreRatio { get; init; } = double.NaN;

    /// <summary>max |M' − M| over every cell of every mask: how much this iteration's step changed the masks. Computed
    /// when an early stop is set (<see cref="IgosOptionsBase.EarlyStopTolerance"/>), else NaN.</summary>
    public double MaskChange { get; init; } = double.NaN;
}

/// <summary>The record of an explanation: per-iteration values, time and the work done by the model.</summary>
public sealed class OptimizationTrace
{
    /// <summary>Creates a trace.</summary>
    /// <param name="iterations">Per-iteration records, in order.</param>
    /// <param name="elapsed">Wall time of the whole explanation (of the whole batch when images were explained together).</param>
    /// <param name="forwardImages">Images pushed through the model forward only (no gradient), for the whole batch.</param>
    /// <param name="backwardImages">Images pushed through the model forward and backward, for the whole batch.</param>
    /// <param name="scoreNames">Names of <see cref="IterationTrace.Scores"/>; null = none.</param>
    public OptimizationTrace(IReadOnlyList<IterationTrace> iterations, TimeSpan elapsed, long forwardImages, long backwardImages,
        IReadOnlyList<string>? scoreNames = null)
    {
        ArgumentNullException.ThrowIfNull(iterations);
        Iterations = iterations;
        ScoreNames = scoreNames?.ToArray() ?? [];
        for (var i = 0; i < iterations.Count; i++)
        {
            if (iterations[i] is null || iterations[i].Scores is null || iterations[i].Scores.Count != ScoreNames.Count)
                throw new ArgumentException(
                    $"Iteration {i} has {iterations[i]?.Scores?.Count ?? 0} scores, but the trace names {ScoreNames.Count} ({string.Join(", ", ScoreNames)}).",
                    nameof(iterations));
        }

        Elapsed = elapsed;
        ForwardImages = forwardImages;
        BackwardImages = backwardImages;
    }

    /// <summary>Names of the per-iteration <see cref="IterationTrace.Scores"/> (e.g. <c>D(Ux)</c>, <c>Ins(Uy)</c>,
    /// <c>D(Ux·Uy)</c>, <c>Ins(Ux·Uy)</c> for iGOS++); empty for methods that do not iterate.</summary>
    public IReadOnlyList<string> ScoreNames { get; }

    /// <summary>The score named <paramref name="name"/> of every iteration, in order.</summary>
    /// <exception cref="ArgumentException">The trace has no score of that name (the message lists the names).</exception>
    public IReadOnlyList<double> Score(string name)
    {
        var index = ScoreNames.ToList().IndexOf(name);
        if (index < 0)
            throw new ArgumentException($"This trace has no score '{name}'; its scores are: {string.Join(", ", ScoreNames)}.", nameof(name));
        return Iterations.Select(t => t.Scores[index]).ToArray();
    }

    /// <summary>Per-iteration records, in order (empty for methods that do not iterate).</summary>
    public IReadOnlyList<IterationTrace> Iterations { get; }

    /// <summary>The 0-based index of the last iteration when the early stop (<see cref="IgosOptionsBase.EarlyStopTolerance"/>)
    /// ended the optimization before its last iteration (the trace then has that many + 1 iterations); null when it ran
    /// every iteration or the method has no early stop.</summary>
    public int? StoppedEarlyAt { get; init; }

    /// <summary>Wall time of the whole explanation (of the whole batch when images were explained together).</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Images pushed through the model forward only (no gradient), counted for the whole batch.</summary>
    public long ForwardImages { get; }

    /// <summary>Images pushed through the model forward and backward, counted for the whole batch.</summary>
    public long BackwardImages { get; }

    /// <summary>A trace of a method without iterations.</summary>
    public static OptimizationTrace Empty(TimeSpan elapsed, long forwardImages = 0, long backwardImages = 0) =>
        new([], elapsed, forwardImages, backwardImages);
}
