using IGOSpp.Internal;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// I-GOS (Qi, Khorram, Li: "Visualizing Deep Networks by Optimizing with Integrated Gradients", AAAI 2020): one
/// deletion mask M, descent direction = the integrated gradient of the deletion score D(U(M)) plus the gradient of
/// R(M) = λ1·mean|1 − M| + λ2·TV(M), stepped by the Armijo line search. L = D(U(M)) + R(M).
/// <see cref="SaliencyMap.Mask"/> is M (0 = deleting this region kills the score), <see cref="SaliencyMap.Saliency"/> is
/// 1 − M. The trace holds D as DeletionScore and R as Regularizer; the other scores are NaN.
/// </summary>
/// <remarks>Not thread-safe; several explainers may share one model (see <see cref="IgosPlusPlusExplainer"/>).</remarks>
public sealed class IgosExplainer : ExplainerBase
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "I-GOS";

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned: the caller keeps and disposes it.</param>
    /// <param name="options">Settings; null = the defaults. Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public IgosExplainer(nn.Module<Tensor, Tensor> model, IgosOptions? options = null)
        : base(model)
    {
        Options = options ?? new IgosOptions();
        Options.Validate(nameof(options));
    }

    /// <summary>The settings.</summary>
    public IgosOptions Options { get; }

    /// <inheritdoc />
    public override string Method => MethodName;

    /// <inheritdoc />
    private protected override ScoreFunction Score => Options.Score;

    /// <inheritdoc />
    private protected override IReadOnlyList<SaliencyMap> Run(ExplanationInput input, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken) =>
        IgosFamily.Run(Model, Options, input, progress, cancellationToken);

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
