using static TorchSharp.torch;

namespace IGOSpp.Optimization;

/// <summary>The optimized masks and the per-image record of the optimization.</summary>
public sealed class MaskOptimizationResult : IDisposable
{
    internal MaskOptimizationResult(IReadOnlyList<Tensor> masks, IReadOnlyList<IReadOnlyList<IterationTrace>> traces,
        IReadOnlyList<string> scoreNames, IReadOnlyList<int?>? stoppedEarlyAt = null)
    {
        StoppedEarlyAt = stoppedEarlyAt ?? new int?[traces.Count];
        Masks = masks;
        Traces = traces;
        ScoreNames = scoreNames;
    }

    /// <summary>Names of the objective's scores in the traces (<see cref="IterationTrace.Scores"/>).</summary>
    public IReadOnlyList<string> ScoreNames { get; }

    /// <summary>The final masks, each <c>[N,1,h,w]</c> in [0,1], detached. Owned by this result.</summary>
    public IReadOnlyList<Tensor> Masks { get; }

    /// <summary>Per image, the 0-based index of the last iteration it ran when the early stop
    /// (<see cref="MaskOptimizerOptions.EarlyStopTolerance"/>) ended it before <see cref="MaskOptimizerOptions.Iterations"/>;
    /// null when it ran every iteration.</summary>
    public IReadOnlyList<int?> StoppedEarlyAt { get; }

    /// <summary>Per image, the per-iteration records.</summary>
    public IReadOnlyList<IReadOnlyList<IterationTrace>> Traces { get; }

    /// <summary>Releases the masks.</summary>
    public void Dispose()
    {
        foreach (var m in Masks) m.Dispose();
    }
}
