using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Onnx;

/// <summary>Conv: 1-D, 2-D and 3-D, groups, dilations, strides, asymmetric pads and auto_pad.</summary>
internal static class ConvolutionOperators
{
    public static void Register(OperatorTable table) => table.Add("Conv", Conv);

    private static OnnxKernel Conv(OnnxNodeContext c)
    {
        c.RequireInputs(2, 3);
        var weight = c.PeekConstantInput(1);
        var kernelShape = c.Ints("kernel_shape");
        var rank = weight is not null ? (int)weight.dim() - 2 : kernelShape?.Length
            ?? throw c.Unsupported("the kernel rank is unknown: the weight is not a constant and 'kernel_shape' is absent.");
        if (rank is < 1 or > 3)
        {
            throw c.Unsupported($"{rank}-D convolution is not supported (1-D, 2-D and 3-D are).");
        }

        var window = ConvolutionWindow.Read(c, rank);
        var groups = c.Int("group", 1);
        if (groups < 1)
        {
            throw c.Invalid($"group must be positive, got {groups}.");
        }

        return (a, _) =>
        {
            var x = a[0]!;
            var w = a[1]!;
            var kernel = w.shape[2..];
            var pads = window.Resolve(x.shape, kernel);
            var (begin, symmetric) = ConvolutionWindow.SplitPads(pads, rank);
            var input = symmetric ? x : F.pad(x, ConvolutionWindow.TorchPadOrder(pads, rank, 0));
            var padding = symmetric ? begin : new long[rank];
            return rank switch
            {
                1 => F.conv1d(input, w, a[2], window.Strides[0], padding[0], window.Dilations[0], groups),
                2 => F.conv2d(input, w, a[2], window.Strides, padding, window.Dilations, groups),
                _ => F.conv3d(input, w, a[2], window.Strides, padding, window.Dilations, groups),
            };
        };
    }
}
