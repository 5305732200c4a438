using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Onnx;

/// <summary>
/// The operator table. Each builder reads a node's attributes and constant inputs once, at load time, and returns a
/// kernel that only does tensor work; kernels always return new tensor handles (never one of their inputs). The
/// builders live by concern: <see cref="ElementwiseOperators"/>, <see cref="ShapeOperators"/>,
/// <see cref="IndexingOperators"/>, <see cref="ReductionOperators"/>, <see cref="NormalizationOperators"/>,
/// <see cref="ConvolutionOperators"/>, <see cref="PoolingOperators"/>, <see cref="LinearAlgebraOperators"/>,
/// <see cref="PadOperator"/> and <see cref="ResizeOperator"/>.
/// </summary>
internal static class OnnxOperators
{
    private static readonly OperatorTable Table = CreateTable();

    /// <summary>The supported operator types (the Constant operator is folded at load time).</summary>
    public static IReadOnlyList<string> SupportedOperators { get; } =
        [.. Table.Builders.Keys.Append("Constant").Order(StringComparer.Ordinal)];

    /// <summary>Whether an operator may have more than one used output (Split).</summary>
    public static bool HasSeveralOutputs(string opType) => Table.MultiOutput.Contains(opType);

    public static OnnxMultiKernel Build(OnnxNodeContext context)
    {
        if (!Table.Builders.TryGetValue(context.OpType, out var builder))
        {
            throw context.Unsupported(
                $"operator '{context.OpType}' is not supported. Supported operators: {string.Join(", ", SupportedOperators)}.");
        }

        return builder(context);
    }

    /// <summary>Evaluates a Constant node at load time.</summary>
    public static Tensor ConstantValue(OnnxNodeContext c)
    {
        c.RequireInputs(0, 0);
        if (c.TensorAttribute("value") is { } tensor)
        {
            return c.ToTensor(tensor, "attribute 'value'");
        }

        if (c.Attribute("value_float") is not null)
        {
            return torch.tensor(c.Float("value_float", 0));
        }

        if (c.Floats("value_floats") is { } floats)
        {
            return torch.tensor(floats);
        }

        if (c.Attribute("value_int") is not null)
        {
            return torch.tensor(c.Int("value_int", 0));
        }

        if (c.Ints("value_ints") is { } ints)
        {
            return torch.tensor(ints);
        }

        throw c.Unsupported("only the 'value', 'value_float', 'value_floats', 'value_int' and 'value_ints' attributes are supported.");
    }

    private static OperatorTable CreateTable()
    {
        var table = new OperatorTable();
        ElementwiseOperators.Register(table);
        ShapeOperators.Register(table);
        IndexingOperators.Register(table);
        ReductionOperators.Register(table);
        NormalizationOperators.Register(table);
        ConvolutionOperators.Register(table);
        PoolingOperators.Register(table);
        LinearAlgebraOperators.Register(table);
        PadOperator.Register(table);
        ResizeOperator.Register(table);
        return table;
    }
}

/// <summary>Operator type → builder; single-output builders are adapted to the multi-output kernel shape.</summary>
internal sealed class OperatorTable
{
    public Dictionary<string, Func<OnnxNodeContext, OnnxMultiKernel>> Builders { get; } = new(StringComparer.Ordinal);

    public HashSet<string> MultiOutput { get; } = new(StringComparer.Ordinal);

    public void Add(string opType, Func<OnnxNodeContext, OnnxKernel> builder) =>
        Builders.Add(opType, c =>
        {
            var kernel = builder(c);
            return (a, call) => [kernel(a, call)];
        });

    public void AddMulti(string opType, Func<OnnxNodeContext, OnnxMultiKernel> builder)
    {
        Builders.Add(opType, builder);
        MultiOutput.Add(opType);
    }
}
