using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Onnx;

/// <summary>ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL2, Softmax and LogSoftmax.</summary>
internal static class ReductionOperators
{
    private delegate Tensor Reduction(Tensor x, long[] axes, bool keepDims);

    public static void Register(OperatorTable table)
    {
        // The opset from which the axes are an input instead of an attribute: 13 for ReduceSum, 18 for the others.
        table.Add("ReduceL2", c => Reduce(c, 18, (x, axes, keep) => torch.linalg.vector_norm(x, 2, axes, keep)));
        table.Add("ReduceMax", c => Reduce(c, 18, (x, axes, keep) => x.amax(axes, keep)));
        table.Add("ReduceMean", c => Reduce(c, 18, (x, axes, keep) => x.mean(axes, keep)));
        table.Add("ReduceMin", c => Reduce(c, 18, (x, axes, keep) => x.amin(axes, keep)));
        table.Add("ReduceSum", c => Reduce(c, 13, (x, axes, keep) => x.sum(axes, keep)));
        table.Add("Softmax", c => Softmax(c, (x, axis) => F.softmax(x, axis)));
        table.Add("LogSoftmax", c => Softmax(c, (x, axis) => F.log_softmax(x, axis)));
    }

    private static OnnxKernel Reduce(OnnxNodeContext c, long axesInputSince, Reduction reduce)
    {
        var keepDims = c.Int("keepdims", 1) != 0;
        var axes = OnnxInputs.Axes(c, axesInputSince);
        var noopWithEmptyAxes = c.Opset >= axesInputSince && c.Int("noop_with_empty_axes", 0) != 0;
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var given = axes?.Invoke(a) ?? [];
            if (given.Length == 0)
            {
                if (noopWithEmptyAxes)
                {
                    return x.alias();
                }

                given = Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray();
            }

            var normalized = given.Select(axis => OnnxInputs.Axis(axis, x.dim(), description)).Distinct().ToArray();
            return reduce(x, normalized, keepDims);
        };
    }

    private static OnnxKernel Softmax(OnnxNodeContext c, Func<Tensor, long, Tensor> op)
    {
        c.RequireInputs(1, 1);
        if (c.Opset >= 13)
        {
            var axis13 = c.Int("axis", -1);
            return (a, _) => op(a[0]!, axis13);
        }

        // Opsets 1-12: the input is coerced to 2-D [prod(d0..axis-1), prod(axis..)] and the softmax runs over rows.
        var axis = c.Int("axis", 1);
        return (a, _) =>
        {
            var x = a[0]!;
            var shape = x.shape;
            var ax = axis < 0 ? axis + shape.Length : axis;
            var rows = x.reshape(OnnxInputs.Product(shape, 0, (int)ax), OnnxInputs.Product(shape, (int)ax, shape.Length));
            return op(rows, 1).reshape(shape);
        };
    }
}
