namespace IGOSpp;

/// <summary>How the model's logits become the class score f that the methods optimize and measure.</summary>
public enum ScoreFunction
{
    /// <summary>Softmax probability of the class over all outputs (single-label classifiers). The default.</summary>
    Softmax,

    /// <summary>Sigmoid of the class logit (multi-label classifiers).</summary>
    Sigmoid,
}
