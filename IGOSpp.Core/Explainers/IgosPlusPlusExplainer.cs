using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// iGOS++ (Khorram, Lawson, Li: "iGOS++: Integrated Gradient Optimized Saliency by Bilateral Perturbations",
/// ACM CHIL 2021): optimizes a deletion mask Mx and an insertion mask My so that deleting the evidence marked by
/// Mx⊙My kills the class score and revealing only it restores the score, with integrated gradients as descent
/// directions, a bilateral TV regularizer and an Armijo line search.
/// </summary>
/// <example>
/// <code>
/// using var explainer = new IgosPlusPlusExplainer(model);
/// using SaliencyMap map = explainer.Explain(image, classId);
/// Tensor heat = map.Saliency; // [h,w], high = important
/// </code>
/// </example>
/// <remarks>
/// An instance is not thread-safe; several explainers on different threads may share one model (the model is put in
/// eval mode while any of them runs and restored when the last finishes; its parameters never receive gradients).
/// </remarks>
public sealed class IgosPlusPlusExplainer : IgosFamilyExplainer<IgosPlusPlusOptions>
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "iGOS++";

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned: the caller keeps and disposes it.</param>
    /// <param name="options">Settings; null = the defaults (see <see cref="IgosPlusPlusOptions"/>). Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public IgosPlusPlusExplainer(nn.Module<Tensor, Tensor> model, IgosPlusPlusOptions? options = null)
        : base(model, options ?? new IgosPlusPlusOptions())
    {
    }

    /// <inheritdoc />
    public override string Method => MethodName;
}
