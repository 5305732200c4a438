using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Onnx;

/// <summary>
/// Operators that compute or change shapes: Shape, Size, Reshape, Flatten, Concat, Transpose, Squeeze, Unsqueeze,
/// Expand, ConstantOfShape, Range, Tile and Split. Shapes computed by the graph are read when the module runs, so a
/// graph exported with a dynamic batch takes any batch size.
/// </summary>
internal static class ShapeOperators
{
    public static void Register(OperatorTable table)
    {
        table.Add("Concat", Concat);
        table.Add("ConstantOfShape", ConstantOfShape);
        table.Add("Expand", Expand);
        table.Add("Flatten", Flatten);
        table.Add("Range", Range);
        table.Add("Reshape", Reshape);
        table.Add("Shape", Shape);
        table.Add("Size", c => Unary(c, (x, call) => torch.tensor(x.numel(), ScalarType.Int64, call.Device)));
        table.Add("Squeeze", Squeeze);
        table.Add("Tile", Tile);
        table.Add("Transpose", Transpose);
        table.Add("Unsqueeze", Unsqueeze);
        table.AddMulti("Split", Split);
    }

    private static OnnxKernel Unary(OnnxNodeContext c, OnnxKernelOf1 op)
    {
        c.RequireInputs(1, 1);
        return (a, call) => op(a[0]!, call);
    }

    private delegate Tensor OnnxKernelOf1(Tensor x, OnnxCall call);

    private static OnnxKernel Shape(OnnxNodeContext c)
    {
        var start = c.Opset >= 15 ? c.Int("start", 0) : 0;
        long? end = c.Opset >= 15 && c.Attribute("end") is not null ? c.Int("end", 0) : null;
        return Unary(c, (x, call) =>
        {
            var rank = x.dim();
            var from = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
            var to = Math.Clamp(end is { } e ? (e < 0 ? e + rank : e) : rank, from, rank);
            return torch.tensor(x.shape[(int)from..(int)to], ScalarType.Int64, call.Device);
        });
    }

    private static OnnxKernel Flatten(OnnxNodeContext c)
    {
        var axis = c.Int("axis", 1);
        var description = c.Description;
        return Unary(c, (x, _) =>
        {
            var shape = x.shape;
            var ax = axis < 0 ? axis + shape.Length : axis;
            if (ax < 0 || ax > shape.Length)
            {
                throw new InvalidOperationException($"{description}: axis {axis} is out of range for an input of rank {shape.Length}.");
            }

            return x.reshape(OnnxInputs.Product(shape, 0, (int)ax), OnnxInputs.Product(shape, (int)ax, shape.Length));
        });
    }

    private static OnnxKernel Reshape(OnnxNodeContext c)
    {
        c.RequireInputs(2, 2);
        var allowZero = c.Opset >= 14 && c.Int("allowzero", 0) != 0;
        var description = c.Description;
        var target = OnnxInputs.Longs(c, 1, "shape")!;
        var constant = c.IsConstantInput(1) ? target([]) : null;
        if (constant is not null)
        {
            Check(constant, allowZero, msg => c.Invalid(msg));
        }

        // A constant target that hard-codes the declared batch size in front follows the runtime batch size instead.
        var followBatch = constant is { Length: > 0 } && c.DynamicBatch && c.DeclaredBatch is { } declared
            && constant[0] == declared && !c.IsConstantInput(0);
        return (a, call) =>
        {
            var x = a[0]!;
            var shape = (long[])target(a).Clone();
            if (constant is null)
            {
                Check(shape, allowZero, msg => new InvalidOperationException($"{description}: {msg}"));
            }

            if (followBatch)
            {
                shape[0] = call.Batch;
            }

            for (var i = 0; !allowZero && i < shape.Length; i++)
            {
                if (shape[i] == 0)
                {
                    shape[i] = i < x.dim() ? x.shape[i]
                        : throw new InvalidOperationException($"{description}: shape entry {i} is 0 but the input has rank {x.dim()}.");
                }
            }

            return x.reshape(shape);
        };
    }

    private static void Check(long[] shape, bool allowZero, Func<string, Exception> error)
    {
        if (shape.Count(v => v == -1) > 1 || shape.Any(v => v < -1))
        {
            throw error($"shape [{string.Join(",", shape)}] has more than one -1 or a value below -1.");
        }

        if (allowZero && shape.Contains(0) && shape.Contains(-1))
        {
            throw error("with allowzero=1 the shape cannot hold both 0 and -1.");
        }
    }

    private static OnnxKernel Concat(OnnxNodeContext c)
    {
        c.RequireInputs(1, int.MaxValue);
        var axis = c.Attribute("axis") is not null ? c.Int("axis", 0) : throw c.Invalid("attribute 'axis' is required.");
        return (a, _) => torch.cat(a.Where(t => t is not null).Select(t => t!).ToArray(), axis);
    }

    private static OnnxKernel Transpose(OnnxNodeContext c)
    {
        var perm = c.Ints("perm");
        return Unary(c, (x, _) => x.permute(perm ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray()));
    }

    private static OnnxKernel Unsqueeze(OnnxNodeContext c)
    {
        var axes = OnnxInputs.Axes(c, 13) ?? throw c.Invalid("the axes are required.");
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var given = axes(a);
            var rank = x.dim() + given.Length;
            var normalized = given.Select(axis => OnnxInputs.Axis(axis, rank, description)).Order().ToArray();
            if (normalized.Distinct().Count() != normalized.Length)
            {
                throw new InvalidOperationException($"{description}: axes [{string.Join(",", given)}] repeat an axis.");
            }

            var result = x.alias();
            foreach (var axis in normalized)
            {
                result = result.unsqueeze(axis);
            }

            return result;
        };
    }

    private static OnnxKernel Squeeze(OnnxNodeContext c)
    {
        var axes = OnnxInputs.Axes(c, 13);
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var shape = x.shape;
            var squeezed = axes is null
                ? Enumerable.Range(0, shape.Length).Where(i => shape[i] == 1).Select(i => (long)i).ToHashSet()
                : axes(a).Select(axis => OnnxInputs.Axis(axis, shape.Length, description)).ToHashSet();
            if (squeezed.Any(axis => shape[axis] != 1))
            {
                throw new InvalidOperationException($"{description}: cannot squeeze axes of size other than 1 in [{string.Join(",", shape)}].");
            }

            return x.reshape(shape.Where((_, i) => !squeezed.Contains(i)).ToArray());
        };
    }

    private static OnnxKernel Expand(OnnxNodeContext c)
    {
        c.RequireInputs(2, 2);
        var target = OnnxInputs.Longs(c, 1, "shape")!;
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            return x.expand(Broadcast(x.shape, target(a), description));
        };
    }

    /// <summary>The numpy broadcast of two shapes (Expand is bidirectional: a 1 in the target keeps the input's size).</summary>
    private static long[] Broadcast(long[] shape, long[] target, string description)
    {
        var rank = Math.Max(shape.Length, target.Length);
        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var s = i - (rank - shape.Length) is var si and >= 0 ? shape[si] : 1;
            var t = i - (rank - target.Length) is var ti and >= 0 ? target[ti] : 1;
            result[i] = s == t || t == 1 ? s : s == 1 ? t
                : throw new InvalidOperationException($"{description}: shape [{string.Join(",", shape)}] cannot be expanded to [{string.Join(",", target)}].");
        }

        return result;
    }

    private static OnnxKernel Tile(OnnxNodeContext c)
    {
        c.RequireInputs(2, 2);
        var repeats = OnnxInputs.Longs(c, 1, "repeats")!;
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var r = repeats(a);
            return r.Length == x.dim() && r.All(v => v >= 0) ? x.repeat(r)
                : throw new InvalidOperationException($"{description}: repeats [{string.Join(",", r)}] must give a non-negative count per axis of the rank-{x.dim()} input.");
        };
    }

    private static OnnxKernel ConstantOfShape(OnnxNodeContext c)
    {
        c.RequireInputs(1, 1);
        var shape = OnnxInputs.Longs(c, 0, "input")!;
        var value = c.TensorAttribute("value") is { } proto ? c.ToTensor(proto, "attribute 'value'") : null;
        if (value is not null && value.numel() != 1)
        {
            throw c.Invalid($"attribute 'value' must hold one element, got {value.numel()}.");
        }

        var number = value is null ? 0 : OnnxInputs.ScalarOf(c, value, "value");
        ScalarType? type = value is null || value.is_floating_point() ? null : value.dtype;
        var description = c.Description;
        return (a, call) =>
        {
            var sizes = shape(a);
            return sizes.All(s => s >= 0) ? torch.full(sizes, number, type ?? call.FloatType, call.Device)
                : throw new InvalidOperationException($"{description}: negative size in [{string.Join(",", sizes)}].");
        };
    }

    private static OnnxKernel Range(OnnxNodeContext c)
    {
        c.RequireInputs(3, 3);
        var start = OnnxInputs.Scalar(c, 0, "start")!;
        var limit = OnnxInputs.Scalar(c, 1, "limit")!;
        var delta = OnnxInputs.Scalar(c, 2, "delta")!;
        bool? floating = c.IsConstantInput(0) ? c.PeekConstantInput(0)!.is_floating_point() : null;
        var description = c.Description;
        return (a, call) =>
        {
            var type = floating ?? a[0]!.is_floating_point() ? call.FloatType : ScalarType.Int64;
            var (s, l, d) = (start(a), limit(a), delta(a));
            if (d == 0)
            {
                throw new InvalidOperationException($"{description}: delta is 0.");
            }

            var count = Math.Max((long)Math.Ceiling((l - s) / d), 0);
            return torch.arange(0, count, dtype: ScalarType.Float64, device: call.Device).mul(d).add(s).to_type(type);
        };
    }

    private static OnnxMultiKernel Split(OnnxNodeContext c)
    {
        var axis = c.Int("axis", 0);
        var outputs = c.Node.Outputs.Count;
        Func<Tensor?[], long[]>? sizes;
        if (c.Opset < 13)
        {
            c.RequireInputs(1, 1);
            var split = c.Ints("split");
            sizes = split is null ? null : _ => split;
        }
        else
        {
            c.RequireInputs(1, 2);
            sizes = OnnxInputs.Longs(c, 1, "split");
        }

        var numOutputs = c.Opset >= 18 && c.Attribute("num_outputs") is not null ? c.Int("num_outputs", 0) : outputs;
        if (numOutputs != outputs || outputs < 1)
        {
            throw c.Invalid($"num_outputs is {numOutputs} but the node has {outputs} outputs.");
        }

        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var ax = OnnxInputs.Axis(axis, x.dim(), description);
            var length = x.shape[ax];
            // Without sizes: equal parts, the last one smaller when the length does not divide (opset 18's rule).
            var parts = sizes?.Invoke(a) ?? Enumerable.Range(0, outputs)
                .Select(i => Math.Max(0, Math.Min((length + outputs - 1) / outputs, length - (i * ((length + outputs - 1) / outputs)))))
                .ToArray();
            if (parts.Length != outputs || parts.Any(p => p < 0) || parts.Sum() != length)
            {
                throw new InvalidOperationException($"{description}: split [{string.Join(",", parts)}] does not cut axis {ax} of length {length} into {outputs} parts.");
            }

            return x.split(parts, ax);
        };
    }
}
