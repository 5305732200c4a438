using static TorchSharp.torch;

namespace IGOSpp.Onnx;

/// <summary>
/// Reading the non-tensor inputs of a node (shapes, axes, pads, scales): from a constant once at load time, or from a
/// value computed by the graph (Shape → Gather → Concat, ...) when the module runs. Run-time values are tiny integer
/// tensors, read back to the host with one transfer per node.
/// </summary>
internal static class OnnxInputs
{
    /// <summary>An optional 1-D integer input: null when absent, else a reader of its values.</summary>
    public static Func<Tensor?[], long[]>? Longs(OnnxNodeContext c, int index, string what)
    {
        var description = c.Description;
        return Input(c, index, t => LongsOf(c, t, what), t => ReadLongs(t, description, what));
    }

    /// <summary>An optional 1-D floating-point input (Resize's scales): null when absent.</summary>
    public static Func<Tensor?[], double[]>? Doubles(OnnxNodeContext c, int index) => Input(c, index, ReadDoubles, ReadDoubles);

    /// <summary>An optional scalar input (Range's start, limit and delta; Clip's bounds): null when absent.</summary>
    public static Func<Tensor?[], double>? Scalar(OnnxNodeContext c, int index, string what)
    {
        var description = c.Description;
        return Input(c, index, t => ScalarOf(c, t, what), t => t.numel() == 1
            ? t.to_type(ScalarType.Float64).cpu().item<double>()
            : throw new InvalidOperationException($"{description}: '{what}' must hold a single value, got {t.numel()}."));
    }

    /// <summary>
    /// Input <paramref name="index"/> as a reader: absent → null; a constant → read once now with
    /// <paramref name="atLoad"/> (errors are load-time errors); computed by the graph → read per call with <paramref name="atRun"/>.
    /// </summary>
    private static Func<Tensor?[], T>? Input<T>(OnnxNodeContext c, int index, Func<Tensor, T> atLoad, Func<Tensor, T> atRun)
    {
        if (!c.HasInput(index))
        {
            return null;
        }

        if (c.IsConstantInput(index))
        {
            var value = atLoad(c.ConstantInput(index));
            return _ => value;
        }

        return a => atRun(a[index]!);
    }

    /// <summary>Reads a constant 1-D (or scalar) integer tensor at load time.</summary>
    public static long[] LongsOf(OnnxNodeContext c, Tensor t, string what)
    {
        if (t.dtype is not (ScalarType.Int64 or ScalarType.Int32) || t.dim() > 1)
        {
            throw c.Invalid($"'{what}' must be a 1-D integer tensor, got {t.dtype} of rank {t.dim()}.");
        }

        using var longs = t.to_type(ScalarType.Int64);
        return longs.data<long>().ToArray();
    }

    /// <summary>Reads a constant single-value tensor at load time.</summary>
    public static double ScalarOf(OnnxNodeContext c, Tensor t, string what)
    {
        if (t.numel() != 1)
        {
            throw c.Invalid($"'{what}' must hold a single value, got {t.numel()}.");
        }

        using var d = t.to_type(ScalarType.Float64);
        return d.item<double>();
    }

    /// <summary>Reads a run-time integer tensor (a shape computed by the graph) to the host.</summary>
    public static long[] ReadLongs(Tensor t, string description, string what)
    {
        if (t.is_floating_point() || t.dim() > 1)
        {
            throw new InvalidOperationException($"{description}: '{what}' must be a 1-D integer tensor, got {t.dtype} of rank {t.dim()}.");
        }

        using var longs = t.to_type(ScalarType.Int64).cpu();
        return longs.data<long>().ToArray();
    }

    private static double[] ReadDoubles(Tensor t)
    {
        using var doubles = t.to_type(ScalarType.Float64).cpu();
        return doubles.data<double>().ToArray();
    }

    /// <summary>An axis in [-rank, rank) as a non-negative axis; otherwise an error naming the node.</summary>
    public static long Axis(long axis, long rank, string description)
    {
        var normalized = axis < 0 ? axis + rank : axis;
        if (normalized < 0 || normalized >= rank)
        {
            throw new InvalidOperationException($"{description}: axis {axis} is out of range for an input of rank {rank}.");
        }

        return normalized;
    }

    /// <summary>The axes a ReduceX / Squeeze / Unsqueeze node names: the attribute before <paramref name="inputSince"/>, input 1 from then on.</summary>
    public static Func<Tensor?[], long[]>? Axes(OnnxNodeContext c, long inputSince)
    {
        if (c.Opset < inputSince)
        {
            c.RequireInputs(1, 1);
            var axes = c.Ints("axes");
            return axes is null ? null : _ => axes;
        }

        c.RequireInputs(1, 2);
        return Longs(c, 1, "axes");
    }

    /// <summary>Product of <paramref name="shape"/>[from..to).</summary>
    public static long Product(long[] shape, int from, int to)
    {
        long p = 1;
        for (var i = from; i < to; i++)
        {
            p *= shape[i];
        }

        return p;
    }
}
