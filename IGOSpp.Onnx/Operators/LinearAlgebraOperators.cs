using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Onnx;

/// <summary>Gemm, MatMul and Einsum.</summary>
internal static class LinearAlgebraOperators
{
    public static void Register(OperatorTable table)
    {
        table.Add("Einsum", Einsum);
        table.Add("Gemm", Gemm);
        table.Add("MatMul", MatMul);
    }

    private static OnnxKernel MatMul(OnnxNodeContext c)
    {
        c.RequireInputs(2, 2);
        return (a, _) => torch.matmul(a[0]!, a[1]!);
    }

    private static OnnxKernel Einsum(OnnxNodeContext c)
    {
        c.RequireInputs(1, int.MaxValue);
        var equation = c.String("equation", "");
        if (equation.Length == 0)
        {
            throw c.Invalid("attribute 'equation' is required.");
        }

        return (a, _) => torch.einsum(equation, a.Where(t => t is not null).Select(t => t!).ToArray());
    }

    private static OnnxKernel Gemm(OnnxNodeContext c)
    {
        c.RequireInputs(2, 3);
        double alpha = c.Float("alpha", 1f);
        double beta = c.Float("beta", 1f);
        var transA = c.Int("transA", 0) != 0;
        var transB = c.Int("transB", 0) != 0;
        return (a, _) =>
        {
            var left = transA ? a[0]!.t() : a[0]!;
            var right = transB ? a[1]!.t() : a[1]!;
            var y = left.matmul(right);
            if (alpha != 1)
            {
                y = y * alpha;
            }

            if (a[2] is { } bias)
            {
                y = beta == 1 ? y + bias : y + bias * beta;
            }

            return y;
        };
    }
}
