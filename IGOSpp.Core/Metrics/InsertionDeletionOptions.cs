using IGOSpp.Perturbation;

namespace IGOSpp.Metrics;

/// <summary>Settings of <see cref="InsertionDeletionMetric"/>; the defaults follow the iGOS++ paper's protocol.</summary>
public sealed record InsertionDeletionOptions
{
    /// <summary>Cells removed (deletion) or revealed (insertion) per step, ≥ 1; null = max(1, cells/50). Default null.</summary>
    public int? CellsPerStep { get; init; }

    /// <summary>How logits become the class score. Default <see cref="ScoreFunction.Softmax"/>.</summary>
    public ScoreFunction Score { get; init; } = ScoreFunction.Softmax;

    /// <summary>What deleted / not yet inserted pixels are replaced with. Default the explainers' Gaussian blur.</summary>
    public IBaseline Baseline { get; init; } = new GaussianBlurBaseline();

    /// <summary>Largest number of images per model pass, ≥ 1. Default 64.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting.</summary>
    /// <param name="paramName">Name to report for the options object.</param>
    public void Validate(string paramName = "options")
    {
        if (CellsPerStep is < 1)
            throw new ArgumentOutOfRangeException($"{paramName}.{nameof(CellsPerStep)}", CellsPerStep, $"CellsPerStep must be ≥ 1 (or null); got {CellsPerStep}.");
        if (!Enum.IsDefined(Score))
            throw new ArgumentOutOfRangeException($"{paramName}.{nameof(Score)}", Score, "Score is not a known score function.");
        if (MaxBatchSize < 1)
            throw new ArgumentOutOfRangeException($"{paramName}.{nameof(MaxBatchSize)}", MaxBatchSize, $"MaxBatchSize must be ≥ 1; got {MaxBatchSize}.");
        if (Baseline is null)
            throw new ArgumentNullException($"{paramName}.{nameof(Baseline)}", "Baseline must not be null.");
    }
}
