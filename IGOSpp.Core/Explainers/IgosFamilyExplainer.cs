using IGOSpp.Internal;
using IGOSpp.Optimization;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// What the explainers of the I-GOS family (<see cref="IgosExplainer"/>, <see cref="IgosPlusExplainer"/>,
/// <see cref="IgosPlusPlusExplainer"/>) share: one pipeline, configured by the options record of the method (which
/// masks, which integrated terms, which total variation), and diverse explanations from several initial masks.
/// </summary>
/// <typeparam name="TOptions">The method's options record.</typeparam>
/// <remarks>Not thread-safe; several explainers may share one model (see <see cref="IgosPlusPlusExplainer"/>).</remarks>
public abstract class IgosFamilyExplainer<TOptions> : ExplainerBase
    where TOptions : IgosOptionsBase
{
    private protected IgosFamilyExplainer(nn.Module<Tensor, Tensor> model, TOptions options)
        : base(model)
    {
        Options = options;
        Options.Validate(nameof(options));
    }

    /// <summary>The settings.</summary>
    public TOptions Options { get; }

    /// <inheritdoc />
    private protected override ScoreFunction Score => Options.Score;

    /// <summary>Test seam: wraps the objective the optimizer sees (the benchmark's reference loop is such a
    /// decorator). Null in product use.</summary>
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
