using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// iGOS+ (the single-mask variant of Khorram, Lawson, Li, CHIL 2021): one mask M optimized for deletion and insertion
/// together, L = D(U(M)) − Ins(U(M)) + R(M) with R(M) = λ1·mean|1 − M| + λ2·BTV(M); descent direction
/// ∇D − ∇Ins + ∇R (both integrated gradients in one fused pass), Armijo line search.
/// <see cref="SaliencyMap.Mask"/> is M (0 = evidence), <see cref="SaliencyMap.Saliency"/> is 1 − M. The trace's scores
/// are [D(U), Ins(U)] (<see cref="OptimizationTrace.ScoreNames"/>) and its regularizer is R.
/// </summary>
/// <remarks>Not thread-safe; several explainers may share one model (see <see cref="IgosPlusPlusExplainer"/>).</remarks>
public sealed class IgosPlusExplainer : IgosFamilyExplainer<IgosPlusOptions>
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "iGOS+";

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned: the caller keeps and disposes it.</param>
    /// <param name="options">Settings; null = the defaults. Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public IgosPlusExplainer(nn.Module<Tensor, Tensor> model, IgosPlusOptions? options = null)
        : base(model, options ?? new IgosPlusOptions())
    {
    }

    /// <inheritdoc />
    public override string Method => MethodName;
}
