namespace IGOSpp.Onnx;

/// <summary>
/// Convolution/pooling window attributes; pads are resolved per call because SAME depends on the input size. Also the
/// pad-order helpers that Conv, the pools and Pad share.
/// </summary>
internal sealed record ConvolutionWindow(string AutoPad, long[] Strides, long[] Dilations, long[] Pads, long[] Kernel)
{
    public static ConvolutionWindow Read(OnnxNodeContext c, int rank)
    {
        var strides = c.Ints("strides") ?? Enumerable.Repeat(1L, rank).ToArray();
        var dilations = c.Ints("dilations") ?? Enumerable.Repeat(1L, rank).ToArray();
        var pads = c.Ints("pads") ?? new long[2 * rank];
        var autoPad = c.String("auto_pad", "NOTSET");
        if (strides.Length != rank || dilations.Length != rank || pads.Length != 2 * rank)
        {
            throw c.Invalid($"strides, dilations and pads must have {rank}, {rank} and {2 * rank} values for a {rank}-D window.");
        }

        if (strides.Any(s => s < 1) || dilations.Any(d => d < 1) || pads.Any(p => p < 0))
        {
            throw c.Invalid("strides and dilations must be positive and pads non-negative.");
        }

        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
        {
            throw c.Invalid($"auto_pad '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER.");
        }

        return new ConvolutionWindow(autoPad, strides, dilations, pads, []);
    }

    public long[] Resolve(long[] inputShape, long[] kernel)
    {
        var rank = Strides.Length;
        switch (AutoPad)
        {
            case "VALID":
                return new long[2 * rank];
            case "SAME_UPPER":
            case "SAME_LOWER":
                var pads = new long[2 * rank];
                for (var i = 0; i < rank; i++)
                {
                    var size = inputShape[2 + i];
                    var output = (size + Strides[i] - 1) / Strides[i];
                    var total = Math.Max(0, ((output - 1) * Strides[i]) + ((kernel[i] - 1) * Dilations[i]) + 1 - size);
                    var small = total / 2;
                    pads[i] = AutoPad == "SAME_UPPER" ? small : total - small;
                    pads[i + rank] = total - pads[i];
                }

                return pads;
            default:
                return Pads;
        }
    }

    /// <summary>Splits ONNX pads [b1..bn, e1..en] into begins and whether begin == end on every axis.</summary>
    public static (long[] Begin, bool Symmetric) SplitPads(long[] pads, int rank)
    {
        var begin = pads[..rank];
        var symmetric = true;
        for (var i = 0; i < rank; i++)
        {
            symmetric &= pads[i] == pads[i + rank];
        }

        return (begin, symmetric);
    }

    /// <summary>ONNX pads [b1..bn, e1..en] to torch's order (last axis first: bn, en, b(n-1), e(n-1), ...) for axes from <paramref name="firstAxis"/> on.</summary>
    public static long[] TorchPadOrder(long[] pads, int rank, int firstAxis)
    {
        var result = new List<long>();
        for (var axis = rank - 1; axis >= firstAxis; axis--)
        {
            result.Add(pads[axis]);
            result.Add(pads[axis + rank]);
        }

        return [.. result];
    }
}
