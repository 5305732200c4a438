using IGOSpp.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// The part every IGOSpp explainer shares: the four <see cref="IExplainer"/> overloads (argument checks, eval mode with
/// guaranteed restore, the probe pass that validates the model's output and the class ids, one dispose scope around
/// the whole call) and disposal. The library's explainers derive from it; it cannot be derived from outside.
/// </summary>
/// <remarks>Not thread-safe; several explainers may share one model (see <see cref="IgosPlusPlusExplainer"/>).</remarks>
public abstract class ExplainerBase : IExplainer
{
    private bool _disposed;

    /// <summary>Keeps the model (not owned: the caller keeps and disposes it).</summary>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    private protected ExplainerBase(nn.Module<Tensor, Tensor> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    /// <inheritdoc />
    public abstract string Method { get; }

    /// <summary>The explained classifier.</summary>
    private protected nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>How the probe pass turns logits into class scores (the explainer's score setting).</summary>
    private protected abstract ScoreFunction Score { get; }

    /// <inheritdoc />
    public SaliencyMap Explain(Tensor image, long classId) => Explain(image, classId, null);

    /// <inheritdoc />
    public IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<long> classIds) => Explain(images, classIds, null);

    /// <inheritdoc />
    public SaliencyMap Explain(Tensor image, long classId, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return ExplanationRunner.RunSingle(Model, image, classId, Score, input => Run(input, progress, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<long> classIds, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return ExplanationRunner.RunBatch(Model, images, classIds, Score, input => Run(input, progress, cancellationToken), cancellationToken);
    }

    /// <summary>Marks the explainer disposed: later calls throw <see cref="ObjectDisposedException"/>. An explainer holds
    /// no native memory between calls; the model is not disposed.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Marks the explainer disposed.</summary>
    /// <param name="disposing">True when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing) => _disposed = true;

    /// <summary>Throws <see cref="ObjectDisposedException"/> after <see cref="Dispose()"/>.</summary>
    private protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Explains validated images (inside the runner's dispose scope and eval mode).</summary>
    private protected abstract IReadOnlyList<SaliencyMap> Run(ExplanationInput input, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken);
}
