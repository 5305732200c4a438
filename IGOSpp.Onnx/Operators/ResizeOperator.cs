using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Onnx;

/// <summary>
/// Resize (opset 11 on): modes nearest, linear and cubic on any axes, computed one axis at a time from the ONNX
/// definition (each output coordinate mapped back to the input with the coordinate transformation mode, then the
/// nearest, linear or cubic neighbours gathered and weighted), so every mode is exact and differentiable. Scales or
/// sizes may be constants or computed by the graph (segmentation heads resize to the input's size).
/// </summary>
internal static class ResizeOperator
{
    private static readonly string[] CoordinateModes =
        ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"];

    public static void Register(OperatorTable table) => table.Add("Resize", Resize);

    private sealed record Settings(string Mode, string Coordinates, string Nearest, double CubicA, bool ExcludeOutside);

    private static OnnxKernel Resize(OnnxNodeContext c)
    {
        if (c.Opset < 11)
        {
            throw c.Unsupported("Resize of opsets 10 and below is not supported; export with opset 11 or later.");
        }

        c.RequireInputs(1, 4);
        var settings = new Settings(
            c.String("mode", "nearest"),
            c.String("coordinate_transformation_mode", "half_pixel"),
            c.String("nearest_mode", "round_prefer_floor"),
            c.Float("cubic_coeff_a", -0.75f),
            c.Int("exclude_outside", 0) != 0);
        if (settings.Mode is not ("nearest" or "linear" or "cubic"))
        {
            throw c.Unsupported($"mode '{settings.Mode}' is not one of nearest, linear, cubic.");
        }

        if (!CoordinateModes.Contains(settings.Coordinates) || (settings.Coordinates == "half_pixel_symmetric" && c.Opset < 19))
        {
            throw c.Unsupported($"coordinate_transformation_mode '{settings.Coordinates}' is not supported (supported: {string.Join(", ", CoordinateModes)}).");
        }

        if (settings.Nearest is not ("round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
        {
            throw c.Unsupported($"nearest_mode '{settings.Nearest}' is not supported.");
        }

        if (c.Int("antialias", 0) != 0 || c.String("keep_aspect_ratio_policy", "stretch") != "stretch")
        {
            throw c.Unsupported("antialias=1 and keep_aspect_ratio_policy other than 'stretch' are not supported.");
        }

        c.IgnoreInput(1);
        var scales = OnnxInputs.Doubles(c, 2);
        var sizes = OnnxInputs.Longs(c, 3, "sizes");
        var axes = c.Ints("axes");
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var (given, isSizes) = Targets(scales?.Invoke(a), sizes?.Invoke(a), description);
            var listed = axes?.Select(ax => OnnxInputs.Axis(ax, x.dim(), description)).ToArray()
                ?? Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
            if (given.Length != listed.Length)
            {
                throw new InvalidOperationException($"{description}: {given.Length} scales or sizes for {listed.Length} axes.");
            }

            var result = x.alias();
            for (var i = 0; i < listed.Length; i++)
            {
                var length = x.shape[listed[i]];
                var (outLength, scale) = isSizes ? ((long)given[i], given[i] / length) : ((long)Math.Floor(length * given[i]), given[i]);
                if (outLength < 1 || scale <= 0)
                {
                    throw new InvalidOperationException($"{description}: axis {listed[i]} of length {length} cannot be resized to {outLength}.");
                }

                if (outLength != length || scale != 1)
                {
                    result = ResizeAxis(result, listed[i], outLength, scale, settings);
                }
            }

            return result;
        };
    }

    private static (double[] Values, bool IsSizes) Targets(double[]? scales, long[]? sizes, string description)
    {
        var hasScales = scales is { Length: > 0 };
        var hasSizes = sizes is { Length: > 0 };
        return (hasScales, hasSizes) switch
        {
            (true, false) => (scales!, false),
            (false, true) => (sizes!.Select(s => (double)s).ToArray(), true),
            _ => throw new InvalidOperationException($"{description}: exactly one of 'scales' and 'sizes' must be given."),
        };
    }

    /// <summary>Resizes one axis: output = Σ_taps weight[tap][o] · x[index[tap][o]] along that axis.</summary>
    private static Tensor ResizeAxis(Tensor x, long axis, long outLength, double scale, Settings s)
    {
        var length = x.shape[axis];
        var taps = s.Mode switch { "nearest" => 1, "linear" => 2, _ => 4 };
        var indices = new long[taps][];
        var weights = new double[taps][];
        for (var t = 0; t < taps; t++)
        {
            indices[t] = new long[outLength];
            weights[t] = new double[outLength];
        }

        for (long o = 0; o < outLength; o++)
        {
            var source = SourceCoordinate(o, length, outLength, scale, s.Coordinates);
            switch (s.Mode)
            {
                case "nearest":
                    indices[0][o] = Math.Clamp(Round(source, s.Nearest), 0, length - 1);
                    weights[0][o] = 1;
                    break;
                case "linear":
                    var clamped = Math.Clamp(source, 0, length - 1);
                    var lo = (long)Math.Floor(clamped);
                    (indices[0][o], indices[1][o]) = (lo, Math.Min(lo + 1, length - 1));
                    (weights[0][o], weights[1][o]) = (1 - (clamped - lo), clamped - lo);
                    break;
                default:
                    CubicTaps(source, length, s, indices, weights, o);
                    break;
            }
        }

        var shape = Enumerable.Repeat(1L, (int)x.dim()).ToArray();
        shape[axis] = outLength;
        Tensor? result = null;
        for (var t = 0; t < taps; t++)
        {
            using var index = torch.tensor(indices[t], ScalarType.Int64, x.device);
            var term = x.index_select(axis, index);
            if (s.Mode != "nearest")
            {
                using var w = torch.tensor(weights[t], x.dtype, x.device).reshape(shape);
                term = term * w;
            }

            result = result is null ? term : result + term;
        }

        return result!;
    }

    private static void CubicTaps(double source, long length, Settings s, long[][] indices, double[][] weights, long o)
    {
        var floor = Math.Floor(source);
        var fraction = source - floor;
        double total = 0;
        for (var t = 0; t < 4; t++)
        {
            var index = (long)floor - 1 + t;
            var weight = Cubic(Math.Abs(fraction - (t - 1)), s.CubicA);
            if (s.ExcludeOutside && (index < 0 || index >= length))
            {
                weight = 0;
            }

            indices[t][o] = Math.Clamp(index, 0, length - 1);
            weights[t][o] = weight;
            total += weight;
        }

        for (var t = 0; s.ExcludeOutside && total != 0 && t < 4; t++)
        {
            weights[t][o] /= total;
        }
    }

    /// <summary>The cubic convolution kernel of Keys with parameter a (ONNX's cubic_coeff_a; PyTorch's bicubic uses -0.75).</summary>
    private static double Cubic(double d, double a) => d switch
    {
        <= 1 => ((a + 2) * d * d * d) - ((a + 3) * d * d) + 1,
        < 2 => (a * d * d * d) - (5 * a * d * d) + (8 * a * d) - (4 * a),
        _ => 0,
    };

    /// <summary>The input coordinate of output coordinate <paramref name="o"/>, as the ONNX Resize operator defines it.</summary>
    private static double SourceCoordinate(long o, long length, long outLength, double scale, string mode) => mode switch
    {
        "half_pixel" => ((o + 0.5) / scale) - 0.5,
        "half_pixel_symmetric" => (length / 2.0 * (1 - (outLength / (scale * length)))) + ((o + 0.5) / scale) - 0.5,
        "pytorch_half_pixel" => outLength > 1 ? ((o + 0.5) / scale) - 0.5 : 0,
        "align_corners" => outLength == 1 ? 0 : o * (length - 1) / (double)(outLength - 1),
        "asymmetric" => o / scale,
        _ => (o + 0.5) / scale,
    };

    private static long Round(double x, string nearestMode)
    {
        var floor = Math.Floor(x);
        var isHalf = x - floor == 0.5;
        return (long)(nearestMode switch
        {
            "floor" => floor,
            "ceil" => Math.Ceiling(x),
            "round_prefer_ceil" => isHalf ? floor + 1 : Math.Round(x, MidpointRounding.AwayFromZero),
            _ => isHalf ? floor : Math.Round(x, MidpointRounding.AwayFromZero),
        });
    }
}
