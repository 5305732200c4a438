using IGOSpp.Internal;

namespace IGOSpp;

/// <summary>Settings of <see cref="GradCamExplainer"/>. Validated when an explainer is created.</summary>
public sealed record GradCamOptions
{
    /// <summary>
    /// Name of the layer whose activations are weighted, as listed by <c>model.named_modules()</c> (e.g. <c>layer4</c>
    /// for a ResNet, <c>features.28</c> for VGG-16). Its output must be <c>[N,K,h,w]</c>. Default null: the last
    /// <c>Conv2d</c> of the model (Selvaraju et al. use the last convolutional layer).
    /// </summary>
    public string? TargetLayer { get; init; }

    /// <summary>The class score whose gradient is taken. Default <see cref="ScoreFunction.Softmax"/> (the probability, as
    /// every method here). The paper differentiates the pre-softmax logit; with softmax the gradient also includes
    /// the competing classes' logits.</summary>
    public ScoreFunction Score { get; init; } = ScoreFunction.Softmax;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting as <c>options.Name</c>.</summary>
    /// <param name="paramName">Name to report for the options object.</param>
    public void Validate(string paramName = "options")
    {
        OptionCheck.Require(TargetLayer is null || TargetLayer.Length > 0, paramName, nameof(TargetLayer), TargetLayer,
            "must be null (last Conv2d) or a module name");
        OptionCheck.Require(Enum.IsDefined(Score), paramName, nameof(Score), Score, "is not a known score function");
    }
}
