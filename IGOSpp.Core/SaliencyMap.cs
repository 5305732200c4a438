using IGOSpp.Internal;
using IGOSpp.Perturbation;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// The explanation of one image: a mask at the method's resolution, the saliency derived from it and the record of
/// the optimization. All tensors are on the CPU, detached, float32, and owned by this object: <see cref="Dispose"/>
/// releases them (copy what you keep beyond the map's life).
/// </summary>
public sealed class SaliencyMap : IDisposable
{
    private readonly Tensor _mask;
    private readonly Tensor _saliency;
    private readonly Tensor? _deletionMask;
    private readonly Tensor? _insertionMask;
    private bool _disposed;

    /// <summary>
    /// Creates a map. The map keeps its own detached float32 CPU copies of the given tensors; the tensors passed in
    /// stay the caller's.
    /// </summary>
    /// <param name="method">The method's short name.</param>
    /// <param name="classId">The explained class, or −1 when the target has none (a regression output, a function).</param>
    /// <param name="mask">[h,w] in [0,1]; 1 keeps the pixel, 0 replaces it by the baseline.</param>
    /// <param name="saliency">[h,w], high = important. For mask methods pass <c>1 − mask</c>.</param>
    /// <param name="imageHeight">Height of the explained image, in pixels.</param>
    /// <param name="imageWidth">Width of the explained image, in pixels.</param>
    /// <param name="trace">The optimization record.</param>
    /// <param name="deletionMask">Mx for iGOS++ ([h,w]); null for other methods.</param>
    /// <param name="insertionMask">My for iGOS++ ([h,w]); null for other methods.</param>
    /// <param name="originalScore">The class score f of the unperturbed image.</param>
    /// <param name="warnings">Conditions under which the method is known to work poorly that the explainer found; null =
    /// none.</param>
    /// <param name="target">What was explained; null = the softmax probability of <paramref name="classId"/>.</param>
    public SaliencyMap(string method, long classId, Tensor mask, Tensor saliency, long imageHeight, long imageWidth,
        OptimizationTrace trace, Tensor? deletionMask = null, Tensor? insertionMask = null, double originalScore = double.NaN,
        IReadOnlyList<ExplanationWarning>? warnings = null, ExplanationTarget? target = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(saliency);
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentOutOfRangeException.ThrowIfLessThan(classId, -1);
        if (target is null && classId < 0)
            throw new ArgumentException("A map without a target needs a class id ≥ 0 (its target is that class's probability).", nameof(classId));
        if (target is not null && (target.ClassId ?? -1) != classId)
            throw new ArgumentException($"The class id ({classId}) must be the target's ({target.ClassId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: −1"}).", nameof(classId));
        ArgumentOutOfRangeException.ThrowIfLessThan(imageHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageWidth, 1);
        TensorGuard.RequireRank(mask, 2, nameof(mask), "[h,w]");
        TensorGuard.RequireSameShape(saliency, mask, nameof(saliency), nameof(mask));
        if (deletionMask is not null) TensorGuard.RequireSameShape(deletionMask, mask, nameof(deletionMask), nameof(mask));
        if (insertionMask is not null) TensorGuard.RequireSameShape(insertionMask, mask, nameof(insertionMask), nameof(mask));

        Method = method;
        ClassId = classId;
        ImageHeight = imageHeight;
        ImageWidth = imageWidth;
        Trace = trace;
        OriginalScore = originalScore;
        Warnings = warnings?.ToArray() ?? [];
        Target = target ?? ExplanationTarget.ClassProbability(classId);
        _mask = Own(mask);
        _saliency = Own(saliency);
        _deletionMask = deletionMask is null ? null : Own(deletionMask);
        _insertionMask = insertionMask is null ? null : Own(insertionMask);
    }

    /// <summary>The method that produced the map, e.g. <c>iGOS++</c>.</summary>
    public string Method { get; }

    /// <summary>The explained class (the target's class), or −1 when the target has none.</summary>
    public long ClassId { get; }

    /// <summary>What was explained (the resolved target: <see cref="ExplanationTarget.TopClass"/> appears as the predicted class).</summary>
    public ExplanationTarget Target { get; }

    /// <summary>Height of the explained image in pixels.</summary>
    public long ImageHeight { get; }

    /// <summary>Width of the explained image in pixels.</summary>
    public long ImageWidth { get; }

    /// <summary>The target's score f of the unperturbed image (e.g. the class probability); NaN when not computed.</summary>
    public double OriginalScore { get; }

    /// <summary>[h,w] float32 in [0,1]: 1 keeps the pixel, 0 replaces it by the baseline. For iGOS++ this is Mx⊙My.
    /// Owned by the map.</summary>
    public Tensor Mask => Alive(_mask);

    /// <summary>[h,w] float32, high = important (for mask methods 1 − <see cref="Mask"/>). Owned by the map.</summary>
    public Tensor Saliency => Alive(_saliency);

    /// <summary>The deletion mask Mx of iGOS++ ([h,w]); null for other methods. Owned by the map.</summary>
    public Tensor? DeletionMask => _deletionMask is null ? null : Alive(_deletionMask);

    /// <summary>The insertion mask My of iGOS++ ([h,w]); null for other methods. Owned by the map.</summary>
    public Tensor? InsertionMask => _insertionMask is null ? null : Alive(_insertionMask);

    /// <summary>Height of the map (mask resolution).</summary>
    public long Height => _mask.shape[0];

    /// <summary>Width of the map (mask resolution).</summary>
    public long Width => _mask.shape[1];

    /// <summary>The optimization record (per-iteration losses, scores, step sizes, time, model passes).</summary>
    public OptimizationTrace Trace { get; }

    /// <summary>
    /// Conditions found while explaining under which the method is known to work poorly, each with a sentence saying
    /// what to try; empty when there are none. The I-GOS family warns when the path noise destroys the class score
    /// (<see cref="ExplanationWarningKind.NoisyPathScoreCollapse"/>).
    /// </summary>
    public IReadOnlyList<ExplanationWarning> Warnings { get; }

    /// <summary>
    /// The saliency upsampled bilinearly (align_corners = true, as the explainers upsample masks) to
    /// <paramref name="height"/>×<paramref name="width"/>. The caller owns the result and must dispose it.
    /// </summary>
    /// <param name="height">Target height in pixels, ≥ 1.</param>
    /// <param name="width">Target width in pixels, ≥ 1.</param>
    /// <returns>A new [height,width] float32 CPU tensor.</returns>
    public Tensor Upsample(long height, long width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        using var scope = torch.NewDisposeScope();
        var up = MaskUpsampling.Bilinear(Saliency.unsqueeze(0).unsqueeze(0), height, width);
        return up[0, 0].clone().MoveToOuterDisposeScope();
    }

    /// <summary>The saliency upsampled to the explained image's size. The caller owns the result.</summary>
    public Tensor Upsample() => Upsample(ImageHeight, ImageWidth);

    /// <summary>Releases the map's tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _mask.Dispose();
        _saliency.Dispose();
        _deletionMask?.Dispose();
        _insertionMask?.Dispose();
    }

    private Tensor Alive(Tensor t)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return t;
    }

    private static Tensor Own(Tensor t)
    {
        using var scope = torch.NewDisposeScope();
        var owned = t.detach().to(ScalarType.Float32, CPU).contiguous().clone();
        owned.DetachFromDisposeScope();
        return owned;
    }
}
