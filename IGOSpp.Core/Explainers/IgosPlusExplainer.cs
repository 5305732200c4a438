using IGOSpp.Internal;
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
public sealed class IgosPlusExplainer : IExplainer
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "iGOS+";

    private readonly nn.Module<Tensor, Tensor> _model;
    private bool _disposed;

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned: the caller keeps and disposes it.</param>
    /// <param name="options">Settings; null = the defaults. Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public IgosPlusExplainer(nn.Module<Tensor, Tensor> model, IgosPlusOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Options = options ?? new IgosPlusOptions();
        Options.Validate(nameof(options));
        _model = model;
    }

    /// <summary>The settings.</summary>
    public IgosPlusOptions Options { get; }

    /// <inheritdoc />
    public string Method => MethodName;

    /// <inheritdoc />
    public SaliencyMap Explain(Tensor image, long classId) => Explain(image, classId, null);

    /// <inheritdoc />
    public IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<long> classIds) => Explain(images, classIds, null);

    /// <inheritdoc />
    public SaliencyMap Explain(Tensor image, long classId, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ExplanationRunner.RunSingle(_model, image, classId, Options.Score,
            input => SingleMaskRunner.Run(_model, Options.ToSettings(), input, progress, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<long> classIds, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ExplanationRunner.RunBatch(_model, images, classIds, Options.Score,
            input => SingleMaskRunner.Run(_model, Options.ToSettings(), input, progress, cancellationToken), cancellationToken);
    }

    /// <summary>Marks the explainer disposed (it holds no native memory between calls; the model is not disposed).</summary>
    public void Dispose() => _disposed = true;
}
