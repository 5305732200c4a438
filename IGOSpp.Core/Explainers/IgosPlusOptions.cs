using IGOSpp.Internal;

namespace IGOSpp;

/// <summary>
/// Settings of <see cref="IgosPlusExplainer"/> (iGOS+: one mask optimized for deletion and insertion with a bilateral TV, the
/// single-mask variant in Khorram, Lawson, Li, CHIL 2021). The defaults are those of iGOS++
/// (same mask size, iterations, integration steps, regularizer weights and line search), so the two are comparable.
/// Validated when an explainer is created.
/// </summary>
public sealed record IgosPlusOptions : IgosOptionsBase
{
    /// <summary>σ of the bilateral TV edge weights exp(−d²/σ), &gt; 0. Default 0.01.</summary>
    public double BtvSigma { get; init; } = 0.01;

    /// <summary>Exponent β ≥ 1 of the mask differences in the TV terms. Default 2.</summary>
    public double TvBeta { get; init; } = 2;

    /// <inheritdoc />
    private protected override void ValidateMethod(string paramName)
    {
        OptionCheck.Require(BtvSigma > 0 && double.IsFinite(BtvSigma), paramName, nameof(BtvSigma), BtvSigma, "must be finite and > 0");
        OptionCheck.Require(TvBeta >= 1 && double.IsFinite(TvBeta), paramName, nameof(TvBeta), TvBeta, "must be finite and ≥ 1");
    }

    internal SingleMaskSettings ToSettings() => new(IgosPlusExplainer.MethodName, InsertionTerm: true, BilateralTV: true, MaskSize,
        IntegrationSteps, L1, L2, NoiseStd, BtvSigma, TvBeta, Score, Seed, Baseline, MaxBatchSize, ToOptimizerOptions(), ShareNoiseAcrossEvaluations);
}
