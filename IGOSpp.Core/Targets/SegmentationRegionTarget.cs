using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Targets;

/// <summary>
/// For segmentation networks whose output is <c>[N,K,H,W]</c> per-pixel logits: the mean probability (softmax over the
/// K classes at each pixel) or mean logit of one class over a region of pixels (see
/// <see cref="ExplanationTarget.SegmentationRegion"/>; pytorch-grad-cam's <c>SemanticSegmentationTarget</c>).
/// </summary>
public sealed class SegmentationRegionTarget : ExplanationTarget
{
    private readonly Tensor _region;

    /// <summary>Creates the target.</summary>
    /// <param name="classId">The class, ≥ 0.</param>
    /// <param name="region">The region's pixels <c>[H,W]</c> (bool, or numbers where non-zero means inside) at the output's
    /// resolution; at least one pixel. Kept by reference, not disposed: keep it alive while the target is used.</param>
    /// <param name="kind">Probability (default) or logit; sigmoid is for multi-label per-pixel outputs.</param>
    /// <exception cref="ArgumentException">A negative class, a region that is not <c>[H,W]</c> or is empty.</exception>
    public SegmentationRegionTarget(long classId, Tensor region, ClassScoreKind kind = ClassScoreKind.Probability)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classId);
        ArgumentNullException.ThrowIfNull(region);
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown class score kind.");
        if (region.dim() != 2)
            throw new ArgumentException($"Expected a region [H,W], got [{string.Join(",", region.shape)}].", nameof(region));
        using (var inside = region.ne(0).sum()) PixelCount = inside.item<long>();
        if (PixelCount == 0) throw new ArgumentException("The region has no pixels.", nameof(region));
        Class = classId;
        Kind = kind;
        _region = region;
        Height = region.shape[0];
        Width = region.shape[1];
    }

    /// <summary>The class.</summary>
    public long Class { get; }

    /// <summary>How the class's per-pixel logits become scores.</summary>
    public ClassScoreKind Kind { get; }

    /// <summary>Number of pixels in the region.</summary>
    public long PixelCount { get; }

    /// <summary>Height of the region (and of the model's output) in pixels.</summary>
    public long Height { get; }

    /// <summary>Width of the region (and of the model's output) in pixels.</summary>
    public long Width { get; }

    /// <inheritdoc />
    public override long? ClassId => Class;

    /// <inheritdoc />
    public override string Description => string.Create(CultureInfo.InvariantCulture,
        $"{(Kind == ClassScoreKind.Logit ? "mean logit" : Kind == ClassScoreKind.Sigmoid ? "mean sigmoid" : "mean p")}(class {Class}) over {PixelCount} px");

    /// <inheritdoc />
    public override void Validate(Tensor output, long imageHeight, long imageWidth)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.dim() != 4)
            throw new ArgumentException($"A segmentation target needs outputs [N,K,H,W] from the model, but it returned [{string.Join(",", output.shape)}].");
        if (Class >= output.shape[1])
            throw new ArgumentOutOfRangeException(null, Class, $"Class id {Class} is outside the model's {output.shape[1]} classes [0, {output.shape[1] - 1}].");
        if (output.shape[2] != Height || output.shape[3] != Width)
            throw new ArgumentException(
                $"The region is {Height}×{Width} but the model's output is {output.shape[2]}×{output.shape[3]}; give the region at the output's resolution.");
    }

    /// <inheritdoc />
    public override Tensor Score(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var scope = torch.NewDisposeScope();
        var weights = _region.ne(0).to(output.dtype, output.device);
        var perPixel = Kind switch
        {
            ClassScoreKind.Probability => output.softmax(1)[.., (int)Class],
            ClassScoreKind.Sigmoid => output[.., (int)Class].sigmoid(),
            _ => output[.., (int)Class],
        };
        return ((perPixel * weights).flatten(1).sum(1) / PixelCount).MoveToOuterDisposeScope();
    }

    /// <summary>About three times the region's share of the output's pixels (the authors' convention), at most 1.</summary>
    public override double? MetricCoverage(long imageHeight, long imageWidth) => Math.Min(1.0, 3.0 * PixelCount / (Height * Width));
}
