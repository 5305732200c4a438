namespace IGOSpp;

/// <summary>
/// Settings of <see cref="IgosExplainer"/> (I-GOS, Qi, Khorram, Li, AAAI 2020). The defaults are those of iGOS++
/// (same mask size, iterations, integration steps, regularizer weights and line search), so the two are comparable.
/// Validated when an explainer is created.
/// </summary>
public sealed record IgosOptions : IgosOptionsBase
{
    /// <inheritdoc />
    private protected override void ValidateMethod(string paramName)
    {
    }

    internal override IgosMethod ToMethod() => IgosMethod.Igos(TvBeta);
}
