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

    /// <inheritdoc />
    private protected override void ValidateMethod(string paramName)
    {
        OptionCheck.Require(BtvSigma > 0 && double.IsFinite(BtvSigma), paramName, nameof(BtvSigma), BtvSigma, "must be finite and > 0");
    }

    internal override IgosMethod ToMethod() => IgosMethod.IgosPlus(BtvSigma, TvBeta);
}
