using IGOSpp.Internal;
using IGOSpp.Perturbation;

namespace IGOSpp;

/// <summary>Settings of <see cref="RiseExplainer"/>; defaults from Petsiuk et al. (BMVC 2018). Validated when an
/// explainer is created.</summary>
public sealed record RiseOptions
{
    /// <summary>Number of random masks N, ≥ 1; null = the paper's 4000 for images larger than 64 px (min side) and 1000
    /// for images of at most 64 px (small images have few distinct grid positions, fewer masks suffice). Default null.</summary>
    public int? MaskCount { get; init; }

    /// <summary>Cells s per side of the binary grid, ≥ 2 (each cell covers ⌈H/s⌉×⌈W/s⌉ pixels). Default 7.</summary>
    public int GridSize { get; init; } = 7;

    /// <summary>Probability p that a grid cell is kept, in (0,1]. Default 0.5.</summary>
    public double KeepProbability { get; init; } = 0.5;

    /// <summary>Largest number of masked images per model pass, ≥ 1. Default 100.</summary>
    public int MaxBatchSize { get; init; } = 100;

    /// <summary>What masked-out pixels become. Default zeros (the paper multiplies the image by the mask).</summary>
    public IBaseline Baseline { get; init; } = new ConstantBaseline(0);

    /// <summary>How logits become the class score. Default <see cref="ScoreFunction.Softmax"/>.</summary>
    public ScoreFunction Score { get; init; } = ScoreFunction.Softmax;

    /// <summary>Seed of the masks; null draws a new seed per call. Default null.</summary>
    public int? Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting as <c>options.Name</c>.</summary>
    /// <param name="paramName">Name to report for the options object.</param>
    public void Validate(string paramName = "options")
    {
        OptionCheck.Require(MaskCount is null or >= 1, paramName, nameof(MaskCount), MaskCount, "must be null or ≥ 1");
        OptionCheck.Require(GridSize >= 2, paramName, nameof(GridSize), GridSize, "must be ≥ 2");
        OptionCheck.Require(KeepProbability > 0 && KeepProbability <= 1, paramName, nameof(KeepProbability), KeepProbability, "must be in (0, 1]");
        OptionCheck.Require(MaxBatchSize >= 1, paramName, nameof(MaxBatchSize), MaxBatchSize, "must be ≥ 1");
        OptionCheck.Require(Enum.IsDefined(Score), paramName, nameof(Score), Score, "is not a known score function");
        OptionCheck.RequireNotNull(Baseline, paramName, nameof(Baseline));
    }

    /// <summary>The number of masks used for an image whose smaller side is <paramref name="size"/> pixels.</summary>
    /// <param name="size">min(H, W) in pixels.</param>
    public int ResolveMaskCount(long size) => MaskCount ?? (size <= 64 ? 1000 : 4000);
}
