using System.Globalization;

namespace IGOSpp.Internal;

/// <summary>
/// The I-GOS family's noise diagnostics: per iteration, the mean class score over the gradient pass's path images
/// relative to the clean image's score (<see cref="IterationTrace.PathScoreRatio"/>), and the warning raised when the
/// first iteration's value (every mask at 1: the image's own noisy path) is below
/// <see cref="ExplanationWarning.NoisyPathScoreThreshold"/>.
/// </summary>
internal static class PathScoreDiagnostics
{
    /// <summary>The traces with <see cref="IterationTrace.PathScoreRatio"/> filled in from their integrated scores.</summary>
    public static IterationTrace[] WithPathScoreRatios(IReadOnlyList<IterationTrace> iterations, double cleanScore) =>
        iterations.Select(t => t with { PathScoreRatio = Ratio(t, cleanScore) }).ToArray();

    /// <summary>The warnings these traces call for (none when the first iteration's path keeps ≥ 10 % of the score).</summary>
    public static ExplanationWarning[] Warnings(IReadOnlyList<IterationTrace> iterations, double noiseStd)
    {
        if (iterations.Count == 0 || !(iterations[0].PathScoreRatio < ExplanationWarning.NoisyPathScoreThreshold)) return [];
        var ratio = iterations[0].PathScoreRatio;
        return
        [
            new ExplanationWarning(ExplanationWarningKind.NoisyPathScoreCollapse, string.Format(CultureInfo.InvariantCulture,
                "Along the noisy path the class score is {0:0.##} % of the clean image's score (below {1:0} %): the path noise " +
                "(NoiseStd = {2:G3}) destroys the model's score, so the integrated gradients carry little signal and the line " +
                "search mostly compares noise. Try a smaller NoiseStd (docs/methods.md, \"When the path noise destroys the score\").",
                100 * ratio, 100 * ExplanationWarning.NoisyPathScoreThreshold, noiseStd)),
        ];
    }

    private static double Ratio(IterationTrace t, double cleanScore)
    {
        if (!(cleanScore > 0)) return double.NaN;
        double sum = 0;
        var count = 0;
        foreach (var s in t.Scores)
        {
            if (!double.IsFinite(s)) continue;
            sum += s;
            count++;
        }

        return count == 0 ? double.NaN : sum / count / cleanScore;
    }
}
