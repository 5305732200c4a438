using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Onnx;

/// <summary>MaxPool and AveragePool (2-D), GlobalAveragePool and GlobalMaxPool (any rank >= 3).</summary>
internal static class PoolingOperators
{
    public static void Register(OperatorTable table)
    {
        table.Add("AveragePool", AveragePool);
        table.Add("GlobalAveragePool", c => Global(c, (x, axes) => x.mean(axes, keepdim: true)));
        table.Add("GlobalMaxPool", c => Global(c, (x, axes) => x.amax(axes, keepdim: true)));
        table.Add("MaxPool", MaxPool);
    }

    private static OnnxKernel Global(OnnxNodeContext c, Func<Tensor, long[], Tensor> reduce)
    {
        c.RequireInputs(1, 1);
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            if (x.dim() < 3)
            {
                throw new InvalidOperationException($"{description}: the input must have rank 3 or more, got {x.dim()}.");
            }

            return reduce(x, Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray());
        };
    }

    private static OnnxKernel MaxPool(OnnxNodeContext c)
    {
        c.RequireInputs(1, 1);
        var window = ReadPoolWindow(c);
        // storage_order only changes the Indices output, which is not supported (only the first output is).
        var ceil = c.Int("ceil_mode", 0) != 0;
        return (a, _) =>
        {
            var x = a[0]!;
            var pads = window.Resolve(x.shape, window.Kernel);
            var (begin, symmetric) = ConvolutionWindow.SplitPads(pads, 2);
            for (var i = 0; symmetric && i < 2; i++)
            {
                symmetric = begin[i] <= (((window.Kernel[i] - 1) * window.Dilations[i]) + 1) / 2;
            }

            if (symmetric)
            {
                return F.max_pool2d(x, window.Kernel, window.Strides, begin, window.Dilations, ceil);
            }

            using var padded = F.pad(x, ConvolutionWindow.TorchPadOrder(pads, 2, 0), PaddingModes.Constant, double.NegativeInfinity);
            using var pooled = F.max_pool2d(padded, window.Kernel, window.Strides, [0, 0], window.Dilations, ceil);
            return CropCeilModeWindows(pooled, x.shape, pads, window, ceil);
        };
    }

    private static OnnxKernel AveragePool(OnnxNodeContext c)
    {
        c.RequireInputs(1, 1);
        var window = ReadPoolWindow(c);
        if (window.Dilations.Any(d => d != 1))
        {
            throw c.Unsupported("dilations are not supported for AveragePool.");
        }

        var ceil = c.Int("ceil_mode", 0) != 0;
        var countIncludePad = c.Int("count_include_pad", 0) != 0;
        return (a, _) =>
        {
            var x = a[0]!;
            var pads = window.Resolve(x.shape, window.Kernel);
            if (pads.All(p => p == 0))
            {
                // Without padding both conventions divide by the number of elements inside the input.
                return F.avg_pool2d(x, window.Kernel, window.Strides, [0, 0], ceil, count_include_pad: true);
            }

            var (begin, symmetric) = ConvolutionWindow.SplitPads(pads, 2);
            if (symmetric && !ceil && begin[0] <= window.Kernel[0] / 2 && begin[1] <= window.Kernel[1] / 2)
            {
                return F.avg_pool2d(x, window.Kernel, window.Strides, begin, false, countIncludePad);
            }

            // General case: sum over the explicitly padded input divided by the number of counted elements per window
            // (inside the input, or inside input and pads with count_include_pad), computed by pooling a mask.
            var torchPads = ConvolutionWindow.TorchPadOrder(pads, 2, 0);
            using var ones = torch.ones([1, 1, x.shape[2], x.shape[3]], x.dtype, x.device);
            using var mask = F.pad(ones, torchPads, PaddingModes.Constant, countIncludePad ? 1 : 0);
            using var counts = F.avg_pool2d(mask, window.Kernel, window.Strides, [0, 0], ceil, true, divisor_override: 1);
            using var sums = F.avg_pool2d(F.pad(x, torchPads), window.Kernel, window.Strides, [0, 0], ceil, true, divisor_override: 1);
            using var averages = sums / counts;
            return CropCeilModeWindows(averages, x.shape, pads, window, ceil);
        };
    }

    /// <summary>
    /// With ceil_mode, ONNX Runtime (like PyTorch) drops a last window that would start in the end padding. Pooling an
    /// explicitly padded input cannot tell padding from input, so crop the extra windows here.
    /// </summary>
    private static Tensor CropCeilModeWindows(Tensor pooled, long[] inputShape, long[] pads, ConvolutionWindow window, bool ceil)
    {
        if (!ceil)
        {
            return pooled.alias();
        }

        var sizes = new long[2];
        for (var i = 0; i < 2; i++)
        {
            var effective = ((window.Kernel[i] - 1) * window.Dilations[i]) + 1;
            var span = inputShape[2 + i] + pads[i] + pads[i + 2] - effective;
            var output = ((span + window.Strides[i] - 1) / window.Strides[i]) + 1;
            if ((output - 1) * window.Strides[i] >= inputShape[2 + i] + pads[i])
            {
                output--;
            }

            sizes[i] = Math.Min(output, pooled.shape[2 + i]);
        }

        return pooled.narrow(2, 0, sizes[0]).narrow(3, 0, sizes[1]);
    }

    private static ConvolutionWindow ReadPoolWindow(OnnxNodeContext c)
    {
        var kernel = c.Ints("kernel_shape") ?? throw c.Invalid("attribute 'kernel_shape' is required.");
        if (kernel.Length != 2)
        {
            throw c.Unsupported($"{kernel.Length}-D pooling is not supported (2-D pooling of [N,C,H,W] inputs is).");
        }

        if (kernel.Any(k => k < 1))
        {
            throw c.Invalid($"kernel_shape [{string.Join(",", kernel)}] must be positive.");
        }

        return ConvolutionWindow.Read(c, 2) with { Kernel = kernel };
    }
}
