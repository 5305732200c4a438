using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Onnx;

/// <summary>BatchNormalization (inference), LayerNormalization, InstanceNormalization and GroupNormalization.</summary>
internal static class NormalizationOperators
{
    public static void Register(OperatorTable table)
    {
        table.Add("BatchNormalization", BatchNormalization);
        table.Add("GroupNormalization", GroupNormalization);
        table.Add("InstanceNormalization", InstanceNormalization);
        table.Add("LayerNormalization", LayerNormalization);
    }

    private static OnnxKernel BatchNormalization(OnnxNodeContext c)
    {
        c.RequireInputs(5, 5);
        if (c.Opset < 9 && c.Int("spatial", 1) == 0)
        {
            throw c.Unsupported("spatial=0 (per-activation statistics) is not supported.");
        }

        if (c.Opset >= 14 && c.Int("training_mode", 0) != 0)
        {
            throw c.Unsupported("training_mode=1 is not supported; export the model in inference mode.");
        }

        double epsilon = c.Float("epsilon", 1e-5f);
        return (a, _) => F.batch_norm(a[0]!, a[3]!, a[4]!, a[1]!, a[2]!, training: false, momentum: 0, eps: epsilon);
    }

    /// <summary>Normalizes over the axes from <c>axis</c> on (default -1), then scale and optional bias broadcast.</summary>
    private static OnnxKernel LayerNormalization(OnnxNodeContext c)
    {
        c.RequireInputs(2, 3);
        var axis = c.Int("axis", -1);
        double epsilon = c.Float("epsilon", 1e-5f);
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var ax = OnnxInputs.Axis(axis, x.dim(), description);
            var normalized = F.layer_norm(x, x.shape[(int)ax..], eps: epsilon) * a[1]!;
            return a[2] is { } bias ? normalized + bias : normalized;
        };
    }

    /// <summary>Per-sample, per-channel normalization of [N,C,...] with a scale and bias per channel.</summary>
    private static OnnxKernel InstanceNormalization(OnnxNodeContext c)
    {
        c.RequireInputs(3, 3);
        double epsilon = c.Float("epsilon", 1e-5f);
        return (a, _) =>
        {
            var x = a[0]!;
            return F.group_norm(x, x.shape[1], a[1]!, a[2]!, epsilon);
        };
    }

    /// <summary>
    /// Opset 18: scale and bias per group ([num_groups]); opset 21: per channel ([C]), as the operator's two versions
    /// define them.
    /// </summary>
    private static OnnxKernel GroupNormalization(OnnxNodeContext c)
    {
        c.RequireInputs(3, 3);
        var groups = c.Attribute("num_groups") is not null ? c.Int("num_groups", 0) : throw c.Invalid("attribute 'num_groups' is required.");
        if (groups < 1)
        {
            throw c.Invalid($"num_groups must be positive, got {groups}.");
        }

        double epsilon = c.Float("epsilon", 1e-5f);
        var perGroup = c.Opset < 21;
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var channels = x.shape[1];
            if (channels % groups != 0)
            {
                throw new InvalidOperationException($"{description}: {channels} channels cannot be split into {groups} groups.");
            }

            var (scale, bias) = perGroup
                ? (a[1]!.repeat_interleave(channels / groups), a[2]!.repeat_interleave(channels / groups))
                : (a[1]!, a[2]!);
            return F.group_norm(x, groups, scale, bias, epsilon);
        };
    }
}
