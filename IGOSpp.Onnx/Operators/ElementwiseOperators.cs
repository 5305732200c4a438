using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Onnx;

/// <summary>Element-wise operators: activations, arithmetic with numpy broadcasting, comparisons, Where, Cast.</summary>
internal static class ElementwiseOperators
{
    public static void Register(OperatorTable table)
    {
        table.Add("Abs", c => Unary(c, torch.abs));
        table.Add("Add", c => Binary(c, (x, y) => x + y));
        table.Add("Cast", Cast);
        table.Add("Clip", Clip);
        table.Add("Div", c => Binary(c, (x, y) => x.is_floating_point() || y.is_floating_point() ? x / y : x.div(y, RoundingMode.trunc)));
        table.Add("Dropout", Dropout);
        table.Add("Equal", c => Binary(c, (x, y) => x.eq(y)));
        table.Add("Erf", c => Unary(c, torch.erf));
        table.Add("Exp", c => Unary(c, torch.exp));
        table.Add("Gelu", Gelu);
        table.Add("Greater", c => Binary(c, (x, y) => x.gt(y)));
        table.Add("HardSigmoid", HardSigmoid);
        table.Add("HardSwish", c => Unary(c, x => F.hardswish(x)));
        table.Add("Identity", c => Unary(c, x => x.alias()));
        table.Add("LeakyRelu", LeakyRelu);
        table.Add("Less", c => Binary(c, (x, y) => x.lt(y)));
        table.Add("Log", c => Unary(c, torch.log));
        table.Add("Max", c => Variadic(c, torch.maximum));
        table.Add("Min", c => Variadic(c, torch.minimum));
        table.Add("Mod", Mod);
        table.Add("Mul", c => Binary(c, (x, y) => x * y));
        table.Add("Neg", c => Unary(c, torch.neg));
        table.Add("Not", c => Unary(c, torch.logical_not));
        table.Add("Pow", c => Binary(c, (x, y) => x.pow(y).to_type(x.dtype)));
        table.Add("PRelu", c => Binary(c, (x, slope) => torch.where(x.lt(0), x * slope, x)));
        table.Add("Reciprocal", c => Unary(c, torch.reciprocal));
        table.Add("Relu", c => Unary(c, x => F.relu(x)));
        table.Add("Sigmoid", c => Unary(c, torch.sigmoid));
        table.Add("Softplus", c => Unary(c, x => F.softplus(x)));
        table.Add("Sqrt", c => Unary(c, torch.sqrt));
        table.Add("Sub", c => Binary(c, (x, y) => x - y));
        table.Add("Tanh", c => Unary(c, torch.tanh));
        table.Add("Where", Where);
    }

    private static OnnxKernel Unary(OnnxNodeContext c, Func<Tensor, Tensor> op)
    {
        c.RequireInputs(1, 1);
        return (a, _) => op(a[0]!);
    }

    private static OnnxKernel Binary(OnnxNodeContext c, Func<Tensor, Tensor, Tensor> op)
    {
        c.RequireInputs(2, 2);
        if (c.Attribute("broadcast") is not null || c.Attribute("axis") is not null)
        {
            throw c.Unsupported("the legacy 'broadcast'/'axis' attributes (opset < 7) are not supported.");
        }

        return (a, _) => op(a[0]!, a[1]!);
    }

    /// <summary>Min and Max: any number of inputs, numpy broadcasting.</summary>
    private static OnnxKernel Variadic(OnnxNodeContext c, Func<Tensor, Tensor, Tensor> op)
    {
        c.RequireInputs(1, int.MaxValue);
        return (a, _) =>
        {
            var present = a.Where(t => t is not null).ToArray();
            var result = present[0]!.alias();
            for (var i = 1; i < present.Length; i++)
            {
                result = op(result, present[i]!);
            }

            return result;
        };
    }

    private static OnnxKernel Where(OnnxNodeContext c)
    {
        c.RequireInputs(3, 3);
        return (a, _) => torch.where(a[0]!.to_type(ScalarType.Bool), a[1]!, a[2]!);
    }

    private static OnnxKernel Mod(OnnxNodeContext c)
    {
        var fmod = c.Int("fmod", 0) != 0;
        return Binary(c, (x, y) => fmod ? x.fmod(y) : x.remainder(y));
    }

    private static OnnxKernel Cast(OnnxNodeContext c)
    {
        c.RequireInputs(1, 1);
        var to = (OnnxDataType)c.Int("to", 0);
        if (to is OnnxDataType.Float or OnnxDataType.Double or OnnxDataType.Float16 or OnnxDataType.BFloat16)
        {
            // Floating types follow the module's floating type (float32, or float64 after module.to(Float64)).
            return (a, call) => a[0]!.to_type(call.FloatType);
        }

        var type = TorchType(to) ?? throw c.Unsupported($"casting to data type {to} is not supported.");
        return (a, _) => a[0]!.to_type(type);
    }

    /// <summary>The torch type of a non-floating ONNX data type, or null when torch has none.</summary>
    public static ScalarType? TorchType(OnnxDataType type) => type switch
    {
        OnnxDataType.Int64 => ScalarType.Int64,
        OnnxDataType.Int32 => ScalarType.Int32,
        OnnxDataType.Int16 => ScalarType.Int16,
        OnnxDataType.Int8 => ScalarType.Int8,
        OnnxDataType.UInt8 => ScalarType.Byte,
        OnnxDataType.Bool => ScalarType.Bool,
        _ => null,
    };

    private static OnnxKernel Dropout(OnnxNodeContext c)
    {
        c.RequireInputs(1, 3);
        if (c.HasInput(2))
        {
            // Training mode is the identity too when the ratio is 0 (torchvision 0.14's Swin exports that).
            var training = !c.IsConstantInput(2) || OnnxInputs.ScalarOf(c, c.ConstantInput(2), "training_mode") != 0;
            var ratio = !c.HasInput(1) ? 0.5 : c.IsConstantInput(1) ? OnnxInputs.ScalarOf(c, c.ConstantInput(1), "ratio") : double.NaN;
            if (training && ratio != 0)
            {
                throw c.Unsupported("training_mode must be a constant false (or the ratio a constant 0); the importer runs models in inference mode.");
            }
        }

        c.IgnoreInput(1);
        return (a, _) => a[0]!.alias();
    }

    private static OnnxKernel LeakyRelu(OnnxNodeContext c)
    {
        c.RequireInputs(1, 1);
        double alpha = c.Float("alpha", 0.01f);
        return (a, _) => F.leaky_relu(a[0]!, alpha);
    }

    private static OnnxKernel HardSigmoid(OnnxNodeContext c)
    {
        c.RequireInputs(1, 1);
        double alpha = c.Float("alpha", 0.2f);
        double beta = c.Float("beta", 0.5f);
        return (a, _) => (a[0]! * alpha + beta).clamp(0.0, 1.0);
    }

    private static OnnxKernel Gelu(OnnxNodeContext c)
    {
        c.RequireInputs(1, 1);
        var approximate = c.String("approximate", "none");
        return approximate switch
        {
            "none" => (a, _) => F.gelu(a[0]!),
            "tanh" => (a, _) => F.gelu(a[0]!, TorchSharp.Modules.GELU.Approximate.tanh),
            _ => throw c.Unsupported($"approximate '{approximate}' is not one of none, tanh."),
        };
    }

    private static OnnxKernel Clip(OnnxNodeContext c)
    {
        Func<Tensor?[], double>? min = null, max = null;
        if (c.Opset < 11)
        {
            c.RequireInputs(1, 1);
            if (c.Attribute("min") is not null)
            {
                var lo = (double)c.Float("min", 0);
                min = _ => lo;
            }

            if (c.Attribute("max") is not null)
            {
                var hi = (double)c.Float("max", 0);
                max = _ => hi;
            }
        }
        else
        {
            c.RequireInputs(1, 3);
            min = OnnxInputs.Scalar(c, 1, "min");
            max = OnnxInputs.Scalar(c, 2, "max");
        }

        return (min, max) switch
        {
            (null, null) => (a, _) => a[0]!.alias(),
            (null, { } hi) => (a, _) => a[0]!.clamp_max(hi(a)),
            ({ } lo, null) => (a, _) => a[0]!.clamp_min(lo(a)),
            ({ } lo, { } hi) => (a, _) => a[0]!.clamp(lo(a), hi(a)),
        };
    }
}
