using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// I-GOS (Qi, Khorram, Li: "Visualizing Deep Networks by Optimizing with Integrated Gradients", AAAI 2020): one
/// deletion mask M, descent direction = the integrated gradient of the deletion score D(U(M)) plus the gradient of
/// R(M) = λ1·mean|1 − M| + λ2·TV(M), stepped by the Armijo line search. L = D(U(M)) + R(M).
/// <see cref="SaliencyMap.Mask"/> is M (0 = deleting this region kills the score), <see cref="SaliencyMap.Saliency"/> is
/// 1 − M. The trace's scores are [D(U)] (<see cref="OptimizationTrace.ScoreNames"/>) and its regularizer is R.
/// </summary>
/// <remarks>Not thread-safe; several explainers may share one model (see <see cref="IgosPlusPlusExplainer"/>).</remarks>
public sealed class IgosExplainer : IgosFamilyExplainer<IgosOptions>
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "I-GOS";

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned: the caller keeps and disposes it.</param>
    /// <param name="options">Settings; null = the defaults. Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public IgosExplainer(nn.Module<Tensor, Tensor> model, IgosOptions? options = null)
        : base(model, options ?? new IgosOptions())
    {
    }

    /// <inheritdoc />
    public override string Method => MethodName;
}
