using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Onnx;

/// <summary>Operators that pick or place elements by index: Gather, Slice and ScatterND.</summary>
internal static class IndexingOperators
{
    public static void Register(OperatorTable table)
    {
        table.Add("Gather", Gather);
        table.Add("ScatterND", ScatterND);
        table.Add("Slice", Slice);
    }

    private static OnnxKernel Gather(OnnxNodeContext c)
    {
        c.RequireInputs(2, 2);
        var axis = c.Int("axis", 0);
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var indices = a[1]!;
            var ax = OnnxInputs.Axis(axis, x.dim(), description);
            var size = x.shape[ax];
            var flat = Normalize(indices.reshape(-1).to_type(ScalarType.Int64), size, description);
            long[] shape = [.. x.shape[..(int)ax], .. indices.shape, .. x.shape[((int)ax + 1)..]];
            return x.index_select(ax, flat).reshape(shape);
        };
    }

    /// <summary>Negative indices count from the end; an index outside [-size, size) is an error, not a native crash.</summary>
    private static Tensor Normalize(Tensor indices, long size, string description)
    {
        if (indices.numel() > 0)
        {
            using var bounds = torch.stack([indices.min(), indices.max()]).cpu();
            var (lo, hi) = (bounds[0].item<long>(), bounds[1].item<long>());
            if (lo < -size || hi >= size)
            {
                throw new InvalidOperationException($"{description}: index {(lo < -size ? lo : hi)} is out of range for an axis of size {size}.");
            }
        }

        return torch.where(indices.lt(0), indices + size, indices);
    }

    private static OnnxKernel Slice(OnnxNodeContext c)
    {
        Func<Tensor?[], long[]> starts, ends;
        Func<Tensor?[], long[]>? axes, steps = null;
        if (c.Opset < 10)
        {
            c.RequireInputs(1, 1);
            var s = c.Ints("starts") ?? throw c.Invalid("attribute 'starts' is required.");
            var e = c.Ints("ends") ?? throw c.Invalid("attribute 'ends' is required.");
            var ax = c.Ints("axes");
            (starts, ends, axes) = (_ => s, _ => e, ax is null ? null : _ => ax);
        }
        else
        {
            c.RequireInputs(3, 5);
            starts = OnnxInputs.Longs(c, 1, "starts")!;
            ends = OnnxInputs.Longs(c, 2, "ends")!;
            axes = OnnxInputs.Longs(c, 3, "axes");
            steps = OnnxInputs.Longs(c, 4, "steps");
        }

        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var (s, e) = (starts(a), ends(a));
            var ax = axes?.Invoke(a) ?? Enumerable.Range(0, s.Length).Select(i => (long)i).ToArray();
            var st = steps?.Invoke(a) ?? Enumerable.Repeat(1L, s.Length).ToArray();
            if (e.Length != s.Length || ax.Length != s.Length || st.Length != s.Length || st.Contains(0))
            {
                throw new InvalidOperationException($"{description}: starts, ends, axes and steps must have one non-zero-step entry per sliced axis.");
            }

            var result = x.alias();
            for (var i = 0; i < s.Length; i++)
            {
                result = SliceAxis(result, OnnxInputs.Axis(ax[i], x.dim(), description), s[i], e[i], st[i]);
            }

            return result;
        };
    }

    /// <summary>One axis of Slice with ONNX's clamping rules; negative steps gather the indices they visit.</summary>
    private static Tensor SliceAxis(Tensor x, long axis, long start, long end, long step)
    {
        var size = x.shape[axis];
        start = start < 0 ? start + size : start;
        end = end < 0 ? end + size : end;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, size);
            end = Math.Clamp(end, 0, size);
            return end <= start ? x.narrow(axis, start, 0) : x.slice(axis, start, end, step);
        }

        start = Math.Clamp(start, 0, size - 1);
        end = Math.Clamp(end, -1, size - 1);
        var count = start <= end ? 0 : ((start - end - 1) / -step) + 1;
        using var indices = torch.arange(0, count, dtype: ScalarType.Int64, device: x.device).mul(step).add(start);
        return x.index_select(axis, indices);
    }

    private static OnnxKernel ScatterND(OnnxNodeContext c)
    {
        c.RequireInputs(3, 3);
        var reduction = c.Opset >= 16 ? c.String("reduction", "none") : "none";
        if (reduction is not ("none" or "add"))
        {
            throw c.Unsupported($"reduction '{reduction}' is not supported (none and add are).");
        }

        var description = c.Description;
        return (a, _) =>
        {
            var (data, indices, updates) = (a[0]!, a[1]!.to_type(ScalarType.Int64), a[2]!);
            var k = indices.shape[^1];
            if (indices.dim() < 1 || k > data.dim())
            {
                throw new InvalidOperationException($"{description}: indices of shape [{string.Join(",", indices.shape)}] do not index data of rank {data.dim()}.");
            }

            var rows = indices.reshape(-1, k);
            var columns = new Tensor[k];
            for (var j = 0; j < k; j++)
            {
                columns[j] = Normalize(rows.select(1, j), data.shape[j], description);
            }

            long[] slice = [rows.shape[0], .. data.shape[(int)k..]];
            return data.clone().index_put_(updates.reshape(slice), columns, accumulate: reduction == "add");
        };
    }
}
