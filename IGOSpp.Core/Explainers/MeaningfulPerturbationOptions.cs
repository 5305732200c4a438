using IGOSpp.Internal;
using IGOSpp.Perturbation;

namespace IGOSpp;

/// <summary>
/// Settings of <see cref="MeaningfulPerturbationExplainer"/> (Fong &amp; Vedaldi, ICCV 2017). The regularizer weights are
/// for <em>means</em> over the mask (the paper writes sums; λ1 = 1e-4 per cell on 28×28 ≈ 0.08 on the mean; we use the
/// widely used 0.01 and 0.2 of the public PyTorch re-implementations, which keep the mask from collapsing). Validated
/// when an explainer is created.
/// </summary>
public sealed record MeaningfulPerturbationOptions
{
    /// <summary>Side of the square mask m, ≥ 2 and ≤ the image's sides. Default 28 (the paper's).</summary>
    public int MaskSize { get; init; } = 28;

    /// <summary>Adam iterations, ≥ 1. Default 300 (the paper's at 224 px; fewer suffice for small images).</summary>
    public int Iterations { get; init; } = 300;

    /// <summary>Adam learning rate, &gt; 0. Default 0.1 (the paper's).</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>Weight λ1 of mean|1 − m|, ≥ 0. Default 0.01.</summary>
    public double L1 { get; init; } = 0.01;

    /// <summary>Weight λ2 of TV_β(m), ≥ 0. Default 0.2.</summary>
    public double L2 { get; init; } = 0.2;

    /// <summary>Exponent β ≥ 1 of TV. Default 3 (the paper's).</summary>
    public double TvBeta { get; init; } = 3;

    /// <summary>Largest random shift of the upsampled mask per iteration, in pixels, ≥ 0; null = 4 px at 224 px scaled with
    /// min(H,W) (the paper jitters to avoid adversarial masks). Default null.</summary>
    public int? MaxJitter { get; init; }

    /// <summary>The perturbation Ĩ. Default the iGOS++ Gaussian blur (so maps are comparable; the paper blurs with σ = 10).</summary>
    public IBaseline Baseline { get; init; } = new GaussianBlurBaseline();

    /// <summary>How logits become the class score. Default <see cref="ScoreFunction.Softmax"/>.</summary>
    public ScoreFunction Score { get; init; } = ScoreFunction.Softmax;

    /// <summary>Seed of the jitter; null draws a new seed per call. Default null.</summary>
    public int? Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting as <c>options.Name</c>.</summary>
    /// <param name="paramName">Name to report for the options object.</param>
    public void Validate(string paramName = "options")
    {
        OptionCheck.Require(MaskSize >= 2, paramName, nameof(MaskSize), MaskSize, "must be ≥ 2");
        OptionCheck.Require(Iterations >= 1, paramName, nameof(Iterations), Iterations, "must be ≥ 1");
        OptionCheck.Require(LearningRate > 0 && double.IsFinite(LearningRate), paramName, nameof(LearningRate), LearningRate, "must be finite and > 0");
        OptionCheck.Require(L1 >= 0 && double.IsFinite(L1), paramName, nameof(L1), L1, "must be finite and ≥ 0");
        OptionCheck.Require(L2 >= 0 && double.IsFinite(L2), paramName, nameof(L2), L2, "must be finite and ≥ 0");
        OptionCheck.Require(TvBeta >= 1 && double.IsFinite(TvBeta), paramName, nameof(TvBeta), TvBeta, "must be finite and ≥ 1");
        OptionCheck.Require(MaxJitter is null or >= 0, paramName, nameof(MaxJitter), MaxJitter, "must be null or ≥ 0");
        OptionCheck.Require(Enum.IsDefined(Score), paramName, nameof(Score), Score, "is not a known score function");
        OptionCheck.RequireNotNull(Baseline, paramName, nameof(Baseline));
    }
}
