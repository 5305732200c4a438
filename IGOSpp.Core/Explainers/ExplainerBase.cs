using IGOSpp.Internal;
using IGOSpp.Targets;
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

    /// <summary>How class ids (and the top class) are scored: the explainer's score setting.</summary>
    private protected abstract ScoreFunction Score { get; }

    /// <summary>Whether the method differentiates the target's score (then a target without gradient is rejected).</summary>
    private protected virtual bool RequiresGradient => true;

    /// <inheritdoc />
    public SaliencyMap Explain(Tensor image, long classId) => Explain(image, classId, null);

    /// <inheritdoc />
    public IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<long> classIds) => Explain(images, classIds, null);

    /// <inheritdoc />
    public SaliencyMap Explain(Tensor image, long classId, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var targets = ExplanationRunner.ClassTargets([classId], TargetScoring.KindOf(Score), nameof(classId));
        return Explain(image, targets, CallShape.OneClass, progress, cancellationToken)[0];
    }

    /// <inheritdoc />
    public IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<long> classIds, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var targets = ExplanationRunner.ClassTargets(classIds, TargetScoring.KindOf(Score), nameof(classIds));
        return Explain(images, targets, CallShape.ManyClasses, progress, cancellationToken);
    }

    /// <inheritdoc />
    public SaliencyMap Explain(Tensor image) =>
        Explain(image, new TopClassTarget(TargetScoring.KindOf(Score)));

    /// <inheritdoc />
    public SaliencyMap Explain(Tensor image, ExplanationTarget target, IProgress<ExplanationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(target);
        return Explain(image, [target], CallShape.OneTarget, progress, cancellationToken)[0];
    }

    /// <inheritdoc />
    public IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<ExplanationTarget> targets,
        IProgress<ExplanationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Explain(images, targets, CallShape.ManyTargets, progress, cancellationToken);
    }

    private IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<ExplanationTarget> targets, CallShape shape,
        IProgress<ExplanationProgress>? progress, CancellationToken cancellationToken) =>
        ExplanationRunner.Run(Model, images, targets, shape, RequiresGradient, input => Run(input, progress, cancellationToken),
            cancellationToken);

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
