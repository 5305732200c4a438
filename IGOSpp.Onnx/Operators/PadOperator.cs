using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Onnx;

/// <summary>
/// Pad: constant, reflect and edge; pads and value as attributes (opsets &lt; 11) or inputs (opset 11 on), constant
/// or computed by the graph; the axes input of opset 18; negative pads crop in constant mode.
/// </summary>
internal static class PadOperator
{
    public static void Register(OperatorTable table) => table.Add("Pad", Pad);

    private static OnnxKernel Pad(OnnxNodeContext c)
    {
        var mode = c.String("mode", "constant");
        if (mode is not ("constant" or "reflect" or "edge"))
        {
            throw c.Unsupported($"mode '{mode}' is not supported (constant, reflect and edge are).");
        }

        Func<Tensor?[], long[]> pads;
        Func<Tensor?[], long[]>? axes = null;
        Func<Tensor?[], double>? value = null;
        if (c.Opset < 11)
        {
            c.RequireInputs(1, 1);
            var fixedPads = c.Ints("pads") ?? throw c.Invalid("attribute 'pads' is required.");
            var fixedValue = (double)c.Float("value", 0f);
            (pads, value) = (_ => fixedPads, _ => fixedValue);
        }
        else
        {
            c.RequireInputs(2, 4);
            pads = OnnxInputs.Longs(c, 1, "pads")!;
            value = OnnxInputs.Scalar(c, 2, "constant_value");
            axes = c.Opset >= 18 ? OnnxInputs.Longs(c, 3, "axes") : c.HasInput(3) ? throw c.Invalid("the 'axes' input needs opset 18.") : null;
        }

        var paddingMode = mode switch
        {
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            _ => PaddingModes.Constant,
        };
        if (axes is null && (c.Opset < 11 || c.IsConstantInput(1)))
        {
            // Constant pads for every axis: check them now, at load time.
            var known = pads([]);
            if (known.Length % 2 != 0)
            {
                throw c.Invalid($"pads has {known.Length} values; it needs two per axis.");
            }

            if (!Supported(paddingMode, known, known.Length / 2))
            {
                throw c.Unsupported(
                    $"mode '{mode}' supports inputs of rank 3 to 5 padded by non-negative amounts on the spatial axes only (not the first two); pads were [{string.Join(",", known)}].");
            }
        }

        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var full = FullPads(pads(a), axes?.Invoke(a), x.dim(), description);
            var rank = (int)x.dim();
            if (!Supported(paddingMode, full, rank))
            {
                throw new InvalidOperationException(
                    $"{description}: mode '{mode}' supports inputs of rank 3 to 5 padded by non-negative amounts on the spatial axes only (not the first two); pads were [{string.Join(",", full)}].");
            }

            var firstPadded = paddingMode == PaddingModes.Constant ? 0 : 2;
            return F.pad(x, ConvolutionWindow.TorchPadOrder(full, rank, firstPadded), paddingMode, value?.Invoke(a) ?? 0);
        };
    }

    /// <summary>Reflect and edge padding run on the spatial axes of rank 3-5 inputs, by non-negative amounts.</summary>
    private static bool Supported(PaddingModes mode, long[] pads, int rank) =>
        mode == PaddingModes.Constant
        || (rank is >= 3 and <= 5 && pads.All(p => p >= 0) && pads[0] == 0 && pads[1] == 0 && pads[rank] == 0 && pads[rank + 1] == 0);

    /// <summary>Pads for every axis [b1..bn, e1..en], from pads for all axes or for the listed ones.</summary>
    private static long[] FullPads(long[] pads, long[]? axes, long rank, string description)
    {
        var listed = axes ?? Enumerable.Range(0, (int)rank).Select(i => (long)i).ToArray();
        if (pads.Length != 2 * listed.Length)
        {
            throw new InvalidOperationException($"{description}: {pads.Length} pads given for {listed.Length} axes of a rank-{rank} input; two per axis are needed.");
        }

        var full = new long[2 * rank];
        for (var i = 0; i < listed.Length; i++)
        {
            var axis = OnnxInputs.Axis(listed[i], rank, description);
            full[axis] = pads[i];
            full[axis + rank] = pads[i + listed.Length];
        }

        return full;
    }
}
