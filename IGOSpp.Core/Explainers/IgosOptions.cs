using IGOSpp.Internal;

namespace IGOSpp;

/// <summary>
/// Settings of <see cref="IgosExplainer"/> (I-GOS, Qi, Khorram, Li, AAAI 2020). The defaults are those of iGOS++
/// (same mask size, iterations, integration steps, regularizer weights and line search), so the two are comparable.
/// Validated when an explainer is created.
/// </summary>
public sealed record IgosOptions : IgosOptionsBase
{
    /// <summary>Exponent β ≥ 1 of the mask differences in TV. Default 2.</summary>
    public double TvBeta { get; init; } = 2;

    /// <inheritdoc />
    private protected override void ValidateMethod(string paramName)
    {
        OptionCheck.Require(TvBeta >= 1 && double.IsFinite(TvBeta), paramName, nameof(TvBeta), TvBeta, "must be finite and ≥ 1");
    }

    internal SingleMaskSettings ToSettings() => new(IgosExplainer.MethodName, InsertionTerm: false, BilateralTV: false, MaskSize,
        IntegrationSteps, L1, L2, NoiseStd, BtvSigma: 1, TvBeta, Score, Seed, Baseline, MaxBatchSize, ToOptimizerOptions(), ShareNoiseAcrossEvaluations);
}
