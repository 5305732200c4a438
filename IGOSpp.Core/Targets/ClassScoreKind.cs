namespace IGOSpp.Targets;

/// <summary>How a class's score is read from <c>[N,K]</c> logits (or per-pixel logits).</summary>
public enum ClassScoreKind
{
    /// <summary>The softmax probability over the K outputs (single-label classifiers). The default.</summary>
    Probability,

    /// <summary>The raw logit.</summary>
    Logit,

    /// <summary>The sigmoid of the logit (multi-label classifiers).</summary>
    Sigmoid,
}
