using IGOSpp.Internal;

namespace IGOSpp;

/// <summary>
/// Diverse explanations (Jiang, Khorram, Li, BMVC 2023): one image explained several times by the same I-GOS-family
/// method from different initial masks. The first initialization is the options' own (by default every cell at 1);
/// each further one starts with a different square of <c>side</c> × the mask half deleted (cells at 0.5), placed by a
/// seeded generator, so that the optimization first looks for evidence outside it. (Squares started at 0 were measured
/// on the planted-evidence test model to stay salient even where they hold no evidence: the L1 term brings cells back
/// to 1 only slowly; at 0.5 every map still ranks the evidence first, docs/methods.md.) Where an image holds several pieces of
/// evidence (two objects, two cues) the maps show different ones; where it holds one, they agree on it.
/// Used by <c>ExplainDiverse</c> on <see cref="IgosPlusPlusExplainer"/>, <see cref="IgosPlusExplainer"/> and
/// <see cref="IgosExplainer"/>.
/// </summary>
public static class IgosDiversity
{
    /// <summary>The <paramref name="count"/> initializations of a diverse explanation.</summary>
    /// <param name="first">The first initialization (the options' own).</param>
    /// <param name="count">How many, ≥ 1.</param>
    /// <param name="seed">Seed of the squares' placement.</param>
    /// <param name="side">Side of the square as a fraction of the mask's side, in (0, 1). Default 0.5.</param>
    /// <param name="value">The square's initial value, in [0, 1). Default 0.5.</param>
    /// <returns>The initializations, the first being <paramref name="first"/>.</returns>
    /// <exception cref="ArgumentException">A null first initialization, a count below 1, a side outside (0, 1) or a value
    /// outside [0, 1).</exception>
    public static IReadOnlyList<MaskInitialization> Initializations(MaskInitialization first, int count, int seed, double side = 0.5,
        double value = 0.5)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        if (!(side > 0 && side < 1)) throw new ArgumentOutOfRangeException(nameof(side), side, "The square's side must be in (0, 1).");
        if (!(value >= 0 && value < 1)) throw new ArgumentOutOfRangeException(nameof(value), value, "The square's value must be in [0, 1).");
        var result = new List<MaskInitialization>(count) { first };
        for (var j = 1; j < count; j++)
        {
            var random = new Random((int)(Seeds.Mix(seed, 1000 + j) & int.MaxValue));
            result.Add(first with
            {
                Region = (random.NextDouble() * (1 - side), random.NextDouble() * (1 - side), side, side),
                RegionValue = value,
            });
        }

        return result;
    }
}
