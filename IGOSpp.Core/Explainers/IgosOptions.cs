namespace IGOSpp;

/// <summary>
/// Settings of <see cref="IgosExplainer"/> (I-GOS, Qi, Khorram, Li, AAAI 2020). The defaults are those of iGOS++
/// (same mask size, iterations, integration steps, regularizer weights and line search), so the two are comparable.
/// Validated when an explainer is created.
/// </summary>
public sealed record IgosOptions : IgosOptionsBase
{
    /// <summary>
    /// The paper's settings exactly (Khorram et al., CHIL 2021, and its algorithm as described in docs/methods.md): 28×28
    /// masks, 15 iterations, S = 20 path points with the right Riemann sum, NoiseStd 0.2, λ1 = 1, λ2 = 20, TV exponent 2,
    /// the Armijo line search from InitialStepSize 1000 (β 1e-4, decay 0.2, minimum 1e-5) restarted every iteration, plain
    /// TV, no early stop, the blur baseline and the softmax score. A new instance each time; change it with <c>with</c>.
    /// Today's defaults equal it; a future default that saves model passes (docs/performance.md) stays one option away from
    /// it.
    /// </summary>
    public static IgosOptions Paper => (IgosOptions)new IgosOptions().WithPaperSettings();

    /// <inheritdoc />
    private protected override void ValidateMethod(string paramName)
    {
    }

    internal override IgosMethod ToMethod() => IgosMethod.Igos(TvBeta);
}
