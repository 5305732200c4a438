using System.Globalization;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Cli.Explain;

/// <summary>
/// <c>--region x,y,w,h</c> (segmentation models, per-pixel logits [1,K,H,W]) and <c>--box x1,y1,x2,y2 --layout L</c>
/// (detectors' raw output before NMS): the library's <see cref="SegmentationRegionTarget"/> and
/// <see cref="DetectionBoxTarget"/> built for the model's output, in pixels of the preprocessed model input.
/// </summary>
internal sealed class RegionTargets : IDisposable
{
    private readonly Tensor? _region;

    private RegionTargets(ExplanationTarget target, long classes, Tensor? region)
    {
        Target = target;
        Classes = classes;
        _region = region;
    }

    /// <summary>The target explained in every image.</summary>
    public ExplanationTarget Target { get; }

    /// <summary>K: the classes of the segmentation output or of the detector.</summary>
    public long Classes { get; }

    /// <summary>Checks the region or box against the input and the model's output and builds the target.</summary>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.Usage"/>: the region or box is not inside the
    /// width × height input. <see cref="ExitCodes.Mismatch"/>: the model's output does not fit the target.</exception>
    public static RegionTargets Create(ExplainSettings s, LoadedModel model, Preprocessing p)
    {
        var classId = s.ClassId ?? throw new CliException(ExitCodes.Usage, "--region and --box need --class K.");
        var shape = model.ProbeShape(p.Channels, p.Height, p.Width, p.Shape);
        if (s.Region is { } r)
        {
            if (r.X + r.Width > p.Width || r.Y + r.Height > p.Height)
                throw new CliException(ExitCodes.Usage, Invariant($"--region {r.X},{r.Y},{r.Width},{r.Height} is not inside the {p.Width}x{p.Height} model input (x + w ≤ {p.Width}, y + h ≤ {p.Height})."));
            if (shape.Length != 4 || shape[0] != 1 || shape[1] < 2)
                throw new CliException(ExitCodes.Mismatch, $"--region needs a segmentation model with per-pixel scores [N,K,H,W]; for one image it returned [{string.Join(",", shape)}].");
            if (classId >= shape[1])
                throw new CliException(ExitCodes.Mismatch, $"--class {classId} is outside the model's outputs: it has {shape[1]} classes (0..{shape[1] - 1}).");

            // The region in input pixels, mapped onto the output's grid (every output pixel the rectangle touches).
            var (oh, ow) = (shape[2], shape[3]);
            var top = r.Y * oh / p.Height;
            var left = r.X * ow / p.Width;
            var bottom = Math.Max(top + 1, ((r.Y + r.Height) * oh + p.Height - 1) / p.Height);
            var right = Math.Max(left + 1, ((r.X + r.Width) * ow + p.Width - 1) / p.Width);
            var region = zeros([oh, ow], ScalarType.Bool);
            region[TensorIndex.Slice(top, bottom), TensorIndex.Slice(left, right)] = tensor(true);
            return new RegionTargets(new SegmentationRegionTarget(classId, region, s.Score), shape[1], region);
        }

        var b = s.Box ?? throw new InvalidOperationException("RegionTargets without --region or --box.");
        if (b.X2 > p.Width || b.Y2 > p.Height)
            throw new CliException(ExitCodes.Usage, Invariant($"--box {b.X1},{b.Y1},{b.X2},{b.Y2} is not inside the {p.Width}x{p.Height} model input (x2 ≤ {p.Width}, y2 ≤ {p.Height})."));
        var layout = s.Layout ?? throw new CliException(ExitCodes.Usage, "--box needs --layout yolov5 or yolov8.");
        var target = new DetectionBoxTarget(b.X1, b.Y1, b.X2, b.Y2, classId, layout);
        using (var scope = NewDisposeScope())
        {
            try
            {
                target.Validate(zeros(shape), p.Height, p.Width);
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ExitCodes.Mismatch, $"--box with --layout {LayoutName(layout)}: {ex.Message}", ex);
            }
        }

        var classes = layout == DetectionLayout.BoxesFirstWithObjectness ? shape[2] - 5 : shape[1] - 4;
        return new RegionTargets(target, classes, null);
    }

    /// <summary>The --layout name of a layout.</summary>
    public static string LayoutName(DetectionLayout layout) => layout == DetectionLayout.BoxesFirstWithObjectness ? "yolov5" : "yolov8";

    public void Dispose() => _region?.Dispose();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
