namespace IGOSpp;

/// <summary>What an <see cref="ExplanationWarning"/> is about.</summary>
public enum ExplanationWarningKind
{
    /// <summary>
    /// The model's class score along the noisy path (the path images of the first iteration, every mask at 1) is below
    /// <see cref="ExplanationWarning.NoisyPathScoreThreshold"/> of the clean image's score: the path noise (NoiseStd)
    /// destroys the score, the integrated gradients carry little signal and the line search mostly compares noise.
    /// The map may be little better than its first gradient; a smaller NoiseStd usually helps (docs/methods.md).
    /// </summary>
    NoisyPathScoreCollapse,
}

/// <summary>A condition under which the method is known to work poorly, found while explaining (see
/// <see cref="SaliencyMap.Warnings"/>).</summary>
/// <param name="Kind">What the warning is about.</param>
/// <param name="Message">A sentence for people: the measured value, the setting involved and what to try.</param>
public sealed record ExplanationWarning(ExplanationWarningKind Kind, string Message)
{
    /// <summary>The ratio of the mean noisy-path score to the clean score below which
    /// <see cref="ExplanationWarningKind.NoisyPathScoreCollapse"/> is raised: 0.1.</summary>
    public const double NoisyPathScoreThreshold = 0.1;
}
