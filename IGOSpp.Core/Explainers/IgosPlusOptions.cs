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
    /// <summary>
    /// The paper's settings exactly (Khorram et al., CHIL 2021, and its algorithm as described in docs/methods.md): 28×28
    /// masks, 15 iterations, S = 20 path points with the right Riemann sum, NoiseStd 0.2, λ1 = 1, λ2 = 20, TV exponent 2,
    /// the Armijo line search from InitialStepSize 1000 (β 1e-4, decay 0.2, minimum 1e-5) restarted every iteration, BTV σ
    /// 0.01, no early stop, the blur baseline and the softmax score. A new instance each time; change it with <c>with</c>.
    /// Today's defaults equal it; a future default that saves model passes (docs/performance.md) stays one option away from
    /// it.
    /// </summary>
    public static IgosPlusOptions Paper => (IgosPlusOptions)new IgosPlusOptions
    {
        BtvSigma = 0.01,
    }.WithPaperSettings();

    /// <summary>σ of the bilateral TV edge weights exp(−d²/σ), &gt; 0. Default 0.01.</summary>
    public double BtvSigma { get; init; } = 0.01;

    /// <inheritdoc />
    private protected override void ValidateMethod(string paramName)
    {
        OptionCheck.Require(BtvSigma > 0 && double.IsFinite(BtvSigma), paramName, nameof(BtvSigma), BtvSigma, "must be finite and > 0");
    }

    internal override IgosMethod ToMethod() => IgosMethod.IgosPlus(BtvSigma, TvBeta);
}
