using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Targets;

/// <summary>
/// The score of the detection that best matches a box (see <see cref="ExplanationTarget.DetectionBox(float, float, float, float, long, DetectionLayout)"/>):
/// <code>
/// s = max over predictions i of  IoU(box, box_i) · objectness_i · p_i(class)
/// </code>
/// on a YOLO-style raw output before non-maximum suppression, as in Jiang, Khorram, Li, "Diverse Explanations for
/// Object Detectors with Nesterov-Accelerated iGOS++" (BMVC 2023) and pytorch-grad-cam's <c>FasterRCNNBoxScoreTarget</c>.
/// Differentiable in the boxes, objectness and class scores. Other layouts: pass a decoder that turns the raw output into
/// corner boxes and scores.
/// </summary>
public sealed class DetectionBoxTarget : ExplanationTarget
{
    private readonly Func<Tensor, (Tensor Boxes, Tensor Scores)>? _decoder;

    /// <summary>Creates the target for one of the built-in layouts.</summary>
    /// <param name="x1">Left edge in input pixels.</param>
    /// <param name="y1">Top edge in input pixels.</param>
    /// <param name="x2">Right edge (&gt; x1).</param>
    /// <param name="y2">Bottom edge (&gt; y1).</param>
    /// <param name="classId">The detected class, ≥ 0.</param>
    /// <param name="layout">How the raw output is laid out.</param>
    /// <exception cref="ArgumentException">A degenerate or non-finite box, a negative class, an unknown layout.</exception>
    public DetectionBoxTarget(float x1, float y1, float x2, float y2, long classId, DetectionLayout layout)
        : this(x1, y1, x2, y2, classId)
    {
        if (!Enum.IsDefined(layout)) throw new ArgumentOutOfRangeException(nameof(layout), layout, "Unknown detection layout.");
        Layout = layout;
    }

    /// <summary>Creates the target for any other output: <paramref name="decoder"/> turns the raw output <c>[B, ...]</c>
    /// into corner boxes <c>[B, M, 4]</c> (x1, y1, x2, y2 in input pixels) and the scores of the class
    /// <c>[B, M]</c> (e.g. objectness × class probability).</summary>
    /// <param name="x1">Left edge in input pixels.</param>
    /// <param name="y1">Top edge in input pixels.</param>
    /// <param name="x2">Right edge (&gt; x1).</param>
    /// <param name="y2">Bottom edge (&gt; y1).</param>
    /// <param name="classId">The detected class, ≥ 0 (for reports; the decoder's scores are of this class).</param>
    /// <param name="decoder">Raw output → (boxes, scores); must be differentiable.</param>
    /// <exception cref="ArgumentException">A degenerate or non-finite box, a negative class.</exception>
    public DetectionBoxTarget(float x1, float y1, float x2, float y2, long classId, Func<Tensor, (Tensor Boxes, Tensor Scores)> decoder)
        : this(x1, y1, x2, y2, classId)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        _decoder = decoder;
    }

    private DetectionBoxTarget(float x1, float y1, float x2, float y2, long classId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classId);
        if (!(float.IsFinite(x1) && float.IsFinite(y1) && float.IsFinite(x2) && float.IsFinite(y2)) || !(x2 > x1) || !(y2 > y1))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Expected a box with finite corners and x2 > x1, y2 > y1; got ({x1}, {y1}, {x2}, {y2})."), nameof(x1));
        (X1, Y1, X2, Y2, Class) = (x1, y1, x2, y2, classId);
    }

    /// <summary>Left edge in input pixels.</summary>
    public float X1 { get; }

    /// <summary>Top edge in input pixels.</summary>
    public float Y1 { get; }

    /// <summary>Right edge in input pixels.</summary>
    public float X2 { get; }

    /// <summary>Bottom edge in input pixels.</summary>
    public float Y2 { get; }

    /// <summary>The detected class.</summary>
    public long Class { get; }

    /// <summary>The built-in layout, or null when a decoder is used.</summary>
    public DetectionLayout? Layout { get; }

    /// <inheritdoc />
    public override long? ClassId => Class;

    /// <inheritdoc />
    public override string Description => string.Create(CultureInfo.InvariantCulture,
        $"box ({X1:0.#}, {Y1:0.#}, {X2:0.#}, {Y2:0.#}) class {Class}");

    /// <inheritdoc />
    public override void Validate(Tensor output, long imageHeight, long imageWidth)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (X2 <= 0 || Y2 <= 0 || X1 >= imageWidth || Y1 >= imageHeight)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The box ({X1}, {Y1}, {X2}, {Y2}) lies outside the {imageWidth}×{imageHeight} image."));
        if (Layout is not { } layout) return;
        var channels = layout == DetectionLayout.BoxesFirstWithObjectness ? (output.dim() == 3 ? output.shape[2] : -1) : (output.dim() == 3 ? output.shape[1] : -1);
        var extra = layout == DetectionLayout.BoxesFirstWithObjectness ? 5 : 4;
        var expected = layout == DetectionLayout.BoxesFirstWithObjectness ? "[N, boxes, 4+1+K]" : "[N, 4+K, boxes]";
        if (output.dim() != 3 || channels <= extra - 1)
            throw new ArgumentException($"The {layout} layout expects raw outputs {expected}, but the model returned [{string.Join(",", output.shape)}].");
        var classes = channels - extra;
        if (Class >= classes)
            throw new ArgumentOutOfRangeException(null, Class, $"Class id {Class} is outside the detector's {classes} classes [0, {classes - 1}] ({layout}, {expected}).");
    }

    /// <inheritdoc />
    public override Tensor Score(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var scope = torch.NewDisposeScope();
        var (boxes, scores) = _decoder is not null ? _decoder(output) : Decode(output, Layout!.Value, Class);
        return (Iou(boxes) * scores).max(1).values.MoveToOuterDisposeScope();
    }

    /// <summary>The box's share of the image, times three (the authors' convention), at most 1.</summary>
    public override double? MetricCoverage(long imageHeight, long imageWidth)
    {
        var w = Math.Min(X2, imageWidth) - Math.Max(X1, 0);
        var h = Math.Min(Y2, imageHeight) - Math.Max(Y1, 0);
        return Math.Min(1.0, 3.0 * Math.Max(0, w) * Math.Max(0, h) / (imageWidth * imageHeight));
    }

    /// <summary>Corner boxes [B,M,4] and class scores [B,M] of a built-in layout.</summary>
    private static (Tensor Boxes, Tensor Scores) Decode(Tensor output, DetectionLayout layout, long classId)
    {
        var rows = layout == DetectionLayout.BoxesFirstWithObjectness ? output : output.transpose(1, 2); // [B, M, C]
        var (cx, cy, w, h) = (rows[.., .., 0], rows[.., .., 1], rows[.., .., 2], rows[.., .., 3]);
        var boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 2);
        var scores = layout == DetectionLayout.BoxesFirstWithObjectness
            ? rows[.., .., 4] * rows[.., .., 5 + (int)classId]
            : rows[.., .., 4 + (int)classId];
        return (boxes, scores);
    }

    /// <summary>IoU of the target box with every box [B,M,4] (corners) → [B,M].</summary>
    private Tensor Iou(Tensor boxes)
    {
        var ix1 = boxes[.., .., 0].clamp_min(X1);
        var iy1 = boxes[.., .., 1].clamp_min(Y1);
        var ix2 = boxes[.., .., 2].clamp_max(X2);
        var iy2 = boxes[.., .., 3].clamp_max(Y2);
        var intersection = (ix2 - ix1).clamp_min(0) * (iy2 - iy1).clamp_min(0);
        var area = (boxes[.., .., 2] - boxes[.., .., 0]).clamp_min(0) * (boxes[.., .., 3] - boxes[.., .., 1]).clamp_min(0);
        var union = area + (X2 - X1) * (Y2 - Y1) - intersection;
        return intersection / union.clamp_min(1e-9);
    }
}
