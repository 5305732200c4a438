using IGOSpp.Internal;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// iGOS+ (the single-mask variant of Khorram, Lawson, Li, CHIL 2021): one mask M optimized for deletion and insertion
/// together, L = D(U(M)) − Ins(U(M)) + R(M) with R(M) = λ1·mean|1 − M| + λ2·BTV(M); descent direction
/// ∇D − ∇Ins + ∇R (both integrated gradients in one fused pass), Armijo line search.
/// <see cref="SaliencyMap.Mask"/> is M (0 = evidence), <see cref="SaliencyMap.Saliency"/> is 1 − M. The trace holds D,
/// Ins and R; the combined scores are NaN.
/// </summary>
/// <remarks>Not thread-safe; several explainers may share one model (see <see cref="IgosPlusPlusExplainer"/>).</remarks>
public sealed class IgosPlusExplainer : ExplainerBase
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "iGOS+";

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned: the caller keeps and disposes it.</param>
    /// <param name="options">Settings; null = the defaults. Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public IgosPlusExplainer(nn.Module<Tensor, Tensor> model, IgosPlusOptions? options = null)
        : base(model)
    {
        Options = options ?? new IgosPlusOptions();
        Options.Validate(nameof(options));
    }

    /// <summary>The settings.</summary>
    public IgosPlusOptions Options { get; }

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
