using IGOSpp.Internal;
using IGOSpp.Optimization;
using IGOSpp.Targets;
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
public sealed class IgosPlusPlusExplainer : ExplainerBase
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "iGOS++";

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned: the caller keeps and disposes it.</param>
    /// <param name="options">Settings; null = the defaults (see <see cref="IgosPlusPlusOptions"/>). Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public IgosPlusPlusExplainer(nn.Module<Tensor, Tensor> model, IgosPlusPlusOptions? options = null)
        : base(model)
    {
        Options = options ?? new IgosPlusPlusOptions();
        Options.Validate(nameof(options));
    }

    /// <summary>The settings.</summary>
    public IgosPlusPlusOptions Options { get; }

    /// <inheritdoc />
    public override string Method => MethodName;

    /// <inheritdoc />
    private protected override ScoreFunction Score => Options.Score;

    /// <summary>Tests and benchmarks only: wraps the objective (the reference loop, <see cref="ReferenceLoopObjective"/>).</summary>
    internal Func<IgosObjective, IMaskObjective>? ObjectiveSeam { get; init; }

    /// <inheritdoc />
    private protected override IReadOnlyList<SaliencyMap> Run(ExplanationInput input, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken) =>
        IgosFamily.Run(Model, Options, input, progress, cancellationToken, ObjectiveSeam);

    /// <summary>Explains one image <paramref name="count"/> times from different initial masks (diverse explanations,
    /// <see cref="IgosDiversity"/>): the first map is the usual one, each further one starts with a different square
    /// half deleted. Same seed and noise for all maps.</summary>
    /// <param name="image">A preprocessed float32 image <c>[C,H,W]</c> or <c>[1,C,H,W]</c>. Not modified.</param>
    /// <param name="target">What to explain.</param>
    /// <param name="count">How many maps, ≥ 1.</param>
    /// <param name="progress">One report per iteration of each explanation; may be null.</param>
    /// <param name="cancellationToken">Checked at least once per iteration.</param>
    /// <returns><paramref name="count"/> maps. The caller owns them and must dispose each.</returns>
    /// <exception cref="ArgumentException">An invalid image, target or count.</exception>
    public IReadOnlyList<SaliencyMap> ExplainDiverse(Tensor image, ExplanationTarget target, int count,
        IProgress<ExplanationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return IgosFamily.ExplainDiverse(Model, Options, image, target, count, progress, cancellationToken);
    }
}
