using IGOSpp.Internal;
using static TorchSharp.torch;

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

    /// <summary>
    /// Turns the target layer's output into the <c>[N,K,h,w]</c> grid Grad-CAM weights, for layers whose output is not
    /// one (as pytorch-grad-cam's <c>reshape_transform</c>): applied to the captured activations and, separately, to
    /// their gradients. For vision-transformer tokens <c>[N, 1+h·w, D]</c> use
    /// <see cref="GradCamTransforms.TokensToGrid"/>. The function must return a new tensor and leave its input alone.
    /// Default null: the layer's output is used as it is and must be <c>[N,K,h,w]</c>.
    /// </summary>
    public Func<Tensor, Tensor>? ReshapeTransform { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting as <c>options.Name</c>.</summary>
    /// <param name="paramName">Name to report for the options object.</param>
    public void Validate(string paramName = "options")
    {
        OptionCheck.Require(TargetLayer is null || TargetLayer.Length > 0, paramName, nameof(TargetLayer), TargetLayer,
            "must be null (last Conv2d) or a module name");
        OptionCheck.Require(Enum.IsDefined(Score), paramName, nameof(Score), Score, "is not a known score function");
    }
}
