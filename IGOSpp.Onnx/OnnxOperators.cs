using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Onnx;

/// <summary>
/// Operator builders: each reads a node's attributes and constant inputs once, at load time, and returns a kernel
/// that only does tensor work. Kernels always return a new tensor handle (never one of their inputs).
/// </summary>
internal static class OnnxOperators
{
    private static readonly Dictionary<string, Func<OnnxNodeContext, OnnxKernel>> Builders = new(StringComparer.Ordinal)
    {
        ["Add"] = c => Binary(c, (x, y) => x + y),
        ["AveragePool"] = AveragePool,
        ["BatchNormalization"] = BatchNormalization,
        ["Clip"] = Clip,
        ["Concat"] = Concat,
        ["Conv"] = Conv,
        ["Div"] = c => Binary(c, (x, y) => x.is_floating_point() || y.is_floating_point() ? x / y : x.div(y, RoundingMode.trunc)),
        ["Dropout"] = Dropout,
        ["Flatten"] = Flatten,
        ["Gemm"] = Gemm,
        ["GlobalAveragePool"] = GlobalAveragePool,
        ["HardSigmoid"] = HardSigmoid,
        ["HardSwish"] = c => Unary(c, x => F.hardswish(x)),
        ["Identity"] = c => Unary(c, x => x.alias()),
        ["LeakyRelu"] = LeakyRelu,
        ["MatMul"] = c => Binary(c, torch.matmul),
        ["MaxPool"] = MaxPool,
        ["Mul"] = c => Binary(c, (x, y) => x * y),
        ["Pad"] = Pad,
        ["ReduceMean"] = ReduceMean,
        ["Relu"] = c => Unary(c, x => F.relu(x)),
        ["Reshape"] = Reshape,
        ["Sigmoid"] = c => Unary(c, torch.sigmoid),
        ["Softmax"] = Softmax,
        ["Sub"] = c => Binary(c, (x, y) => x - y),
        ["Transpose"] = Transpose,
    };

    /// <summary>The supported operator types (the Constant operator is folded at load time).</summary>
    public static IReadOnlyList<string> SupportedOperators { get; } = [.. Builders.Keys.Append("Constant").Order(StringComparer.Ordinal)];

    public static OnnxKernel Build(OnnxNodeContext context)
    {
        if (!Builders.TryGetValue(context.OpType, out var builder))
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

    private static OnnxKernel Dropout(OnnxNodeContext c)
    {
        c.RequireInputs(1, 3);
        c.IgnoreInput(1);
        c.IgnoreInput(2);
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

    private static OnnxKernel Clip(OnnxNodeContext c)
    {
        double? min = null, max = null;
        if (c.Opset < 11)
        {
            c.RequireInputs(1, 1);
            if (c.Attribute("min") is not null)
            {
                min = c.Float("min", 0);
            }

            if (c.Attribute("max") is not null)
            {
                max = c.Float("max", 0);
            }
        }
        else
        {
            c.RequireInputs(1, 3);
            if (c.HasInput(1))
            {
                min = ScalarOf(c, c.ConstantInput(1), "min");
            }

            if (c.HasInput(2))
            {
                max = ScalarOf(c, c.ConstantInput(2), "max");
            }
        }

        return (min, max) switch
        {
            (null, null) => (a, _) => a[0]!.alias(),
            (null, { } hi) => (a, _) => a[0]!.clamp_max(hi),
            ({ } lo, null) => (a, _) => a[0]!.clamp_min(lo),
            ({ } lo, { } hi) => (a, _) => a[0]!.clamp(lo, hi),
        };
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

    private static OnnxKernel Flatten(OnnxNodeContext c)
    {
        c.RequireInputs(1, 1);
        var axis = c.Int("axis", 1);
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            var shape = x.shape;
            var ax = axis < 0 ? axis + shape.Length : axis;
            if (ax < 0 || ax > shape.Length)
            {
                throw new InvalidOperationException($"{description}: axis {axis} is out of range for an input of rank {shape.Length}.");
            }

            long outer = 1, inner = 1;
            for (var i = 0; i < shape.Length; i++)
            {
                if (i < ax)
                {
                    outer *= shape[i];
                }
                else
                {
                    inner *= shape[i];
                }
            }

            return x.reshape(outer, inner);
        };
    }

    private static OnnxKernel Reshape(OnnxNodeContext c)
    {
        c.RequireInputs(2, 2);
        var target = LongsOf(c, c.ConstantInput(1), "shape");
        var allowZero = c.Opset >= 14 && c.Int("allowzero", 0) != 0;
        if (target.Count(v => v == -1) > 1 || target.Any(v => v < -1))
        {
            throw c.Invalid($"shape [{string.Join(",", target)}] has more than one -1 or a value below -1.");
        }

        if (allowZero && target.Contains(0) && target.Contains(-1))
        {
            throw c.Invalid("with allowzero=1 the shape cannot hold both 0 and -1.");
        }

        // A target that hard-codes the declared batch size in front follows the runtime batch size instead.
        var followBatch = c.DynamicBatch && c.DeclaredBatch is { } declared && target.Length > 0
            && target[0] == declared && !c.IsConstantInput(0);
        var description = c.Description;
        return (a, batch) =>
        {
            var x = a[0]!;
            var shape = (long[])target.Clone();
            if (followBatch)
            {
                shape[0] = batch;
            }

            if (!allowZero)
            {
                for (var i = 0; i < shape.Length; i++)
                {
                    if (shape[i] == 0)
                    {
                        if (i >= x.dim())
                        {
                            throw new InvalidOperationException($"{description}: shape entry {i} is 0 but the input has rank {x.dim()}.");
                        }

                        shape[i] = x.shape[i];
                    }
                }
            }

            return x.reshape(shape);
        };
    }

    private static OnnxKernel Concat(OnnxNodeContext c)
    {
        c.RequireInputs(1, int.MaxValue);
        var axis = c.Attribute("axis") is not null ? c.Int("axis", 0) : throw c.Invalid("attribute 'axis' is required.");
        return (a, _) => torch.cat(a.Where(t => t is not null).Select(t => t!).ToArray(), axis);
    }

    private static OnnxKernel Transpose(OnnxNodeContext c)
    {
        c.RequireInputs(1, 1);
        var perm = c.Ints("perm");
        return (a, _) =>
        {
            var x = a[0]!;
            var p = perm ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
            return x.permute(p);
        };
    }

    private static OnnxKernel Softmax(OnnxNodeContext c)
    {
        c.RequireInputs(1, 1);
        if (c.Opset >= 13)
        {
            var axis13 = c.Int("axis", -1);
            return (a, _) => F.softmax(a[0]!, axis13);
        }

        // Opsets 1-12: the input is coerced to 2-D [prod(d0..axis-1), prod(axis..)] and the softmax runs over rows.
        var axis = c.Int("axis", 1);
        return (a, _) =>
        {
            var x = a[0]!;
            var shape = x.shape;
            var ax = axis < 0 ? axis + shape.Length : axis;
            long outer = 1, inner = 1;
            for (var i = 0; i < shape.Length; i++)
            {
                if (i < ax)
                {
                    outer *= shape[i];
                }
                else
                {
                    inner *= shape[i];
                }
            }

            return F.softmax(x.reshape(outer, inner), 1).reshape(shape);
        };
    }

    private static OnnxKernel ReduceMean(OnnxNodeContext c)
    {
        var keepDims = c.Int("keepdims", 1) != 0;
        long[]? axes;
        var noopWithEmptyAxes = false;
        if (c.Opset < 18)
        {
            c.RequireInputs(1, 1);
            axes = c.Ints("axes");
        }
        else
        {
            c.RequireInputs(1, 2);
            axes = c.HasInput(1) ? LongsOf(c, c.ConstantInput(1), "axes") : null;
            noopWithEmptyAxes = c.Int("noop_with_empty_axes", 0) != 0;
        }

        if (axes is null || axes.Length == 0)
        {
            if (noopWithEmptyAxes)
            {
                return (a, _) => a[0]!.alias();
            }

            return (a, _) =>
            {
                var x = a[0]!;
                return x.mean(Enumerable.Range(0, (int)x.dim()).Select(i => (long)i).ToArray(), keepDims);
            };
        }

        return (a, _) => a[0]!.mean(axes, keepDims);
    }

    private static OnnxKernel GlobalAveragePool(OnnxNodeContext c)
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

            return x.mean(Enumerable.Range(2, (int)x.dim() - 2).Select(i => (long)i).ToArray(), keepdim: true);
        };
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

    private static OnnxKernel Pad(OnnxNodeContext c)
    {
        var mode = c.String("mode", "constant");
        if (mode is not ("constant" or "reflect" or "edge"))
        {
            throw c.Unsupported($"mode '{mode}' is not supported (constant, reflect and edge are).");
        }

        long[] pads;
        double value;
        if (c.Opset < 11)
        {
            c.RequireInputs(1, 1);
            pads = c.Ints("pads") ?? throw c.Invalid("attribute 'pads' is required.");
            value = c.Float("value", 0f);
        }
        else
        {
            c.RequireInputs(2, 4);
            pads = LongsOf(c, c.ConstantInput(1), "pads");
            value = c.HasInput(2) ? ScalarOf(c, c.ConstantInput(2), "constant_value") : 0;
            if (c.HasInput(3))
            {
                throw c.Unsupported("the 'axes' input is not supported; give pads for every axis.");
            }
        }

        if (pads.Length % 2 != 0)
        {
            throw c.Invalid($"pads has {pads.Length} values; it needs two per axis.");
        }

        var rank = pads.Length / 2;
        var firstPadded = 0;
        var paddingMode = PaddingModes.Constant;
        if (mode != "constant")
        {
            paddingMode = mode == "reflect" ? PaddingModes.Reflect : PaddingModes.Replicate;
            firstPadded = 2;
            if (rank is < 3 or > 5 || pads.Any(p => p < 0) || pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0)
            {
                throw c.Unsupported(
                    $"mode '{mode}' supports inputs of rank 3 to 5 padded by non-negative amounts on the spatial axes only (not the first two); pads were [{string.Join(",", pads)}].");
            }
        }

        var torchPads = TorchPadOrder(pads, rank, firstPadded);
        var description = c.Description;
        return (a, _) =>
        {
            var x = a[0]!;
            if (x.dim() != rank)
            {
                throw new InvalidOperationException($"{description}: pads are given for rank {rank} but the input has rank {x.dim()}.");
            }

            return F.pad(x, torchPads, paddingMode, value);
        };
    }

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

        var window = ReadWindow(c, rank);
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
            var (begin, symmetric) = SplitPads(pads, rank);
            var input = symmetric ? x : F.pad(x, TorchPadOrder(pads, rank, 0));
            var padding = symmetric ? begin : new long[rank];
            return rank switch
            {
                1 => F.conv1d(input, w, a[2], window.Strides[0], padding[0], window.Dilations[0], groups),
                2 => F.conv2d(input, w, a[2], window.Strides, padding, window.Dilations, groups),
                _ => F.conv3d(input, w, a[2], window.Strides, padding, window.Dilations, groups),
            };
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
            var (begin, symmetric) = SplitPads(pads, 2);
            for (var i = 0; symmetric && i < 2; i++)
            {
                symmetric = begin[i] <= (((window.Kernel[i] - 1) * window.Dilations[i]) + 1) / 2;
            }

            if (symmetric)
            {
                return F.max_pool2d(x, window.Kernel, window.Strides, begin, window.Dilations, ceil);
            }

            using var padded = F.pad(x, TorchPadOrder(pads, 2, 0), PaddingModes.Constant, double.NegativeInfinity);
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

            var (begin, symmetric) = SplitPads(pads, 2);
            if (symmetric && !ceil && begin[0] <= window.Kernel[0] / 2 && begin[1] <= window.Kernel[1] / 2)
            {
                return F.avg_pool2d(x, window.Kernel, window.Strides, begin, false, countIncludePad);
            }

            // General case: sum over the explicitly padded input divided by the number of counted elements per window
            // (inside the input, or inside input and pads with count_include_pad), computed by pooling a mask.
            var torchPads = TorchPadOrder(pads, 2, 0);
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
    private static Tensor CropCeilModeWindows(Tensor pooled, long[] inputShape, long[] pads, Window window, bool ceil)
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

    private static Window ReadPoolWindow(OnnxNodeContext c)
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

        var window = ReadWindow(c, 2);
        return window with { Kernel = kernel };
    }

    private static Window ReadWindow(OnnxNodeContext c, int rank)
    {
        var strides = c.Ints("strides") ?? Enumerable.Repeat(1L, rank).ToArray();
        var dilations = c.Ints("dilations") ?? Enumerable.Repeat(1L, rank).ToArray();
        var pads = c.Ints("pads") ?? new long[2 * rank];
        var autoPad = c.String("auto_pad", "NOTSET");
        if (strides.Length != rank || dilations.Length != rank || pads.Length != 2 * rank)
        {
            throw c.Invalid($"strides, dilations and pads must have {rank}, {rank} and {2 * rank} values for a {rank}-D window.");
        }

        if (strides.Any(s => s < 1) || dilations.Any(d => d < 1) || pads.Any(p => p < 0))
        {
            throw c.Invalid("strides and dilations must be positive and pads non-negative.");
        }

        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
        {
            throw c.Invalid($"auto_pad '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER.");
        }

        return new Window(autoPad, strides, dilations, pads, []);
    }

    /// <summary>Splits ONNX pads [b1..bn, e1..en] into begins and whether begin == end on every axis.</summary>
    private static (long[] Begin, bool Symmetric) SplitPads(long[] pads, int rank)
    {
        var begin = pads[..rank];
        var symmetric = true;
        for (var i = 0; i < rank; i++)
        {
            symmetric &= pads[i] == pads[i + rank];
        }

        return (begin, symmetric);
    }

    /// <summary>ONNX pads [b1..bn, e1..en] to torch's order (last axis first: bn, en, b(n-1), e(n-1), ...) for axes from <paramref name="firstAxis"/> on.</summary>
    private static long[] TorchPadOrder(long[] pads, int rank, int firstAxis)
    {
        var result = new List<long>();
        for (var axis = rank - 1; axis >= firstAxis; axis--)
        {
            result.Add(pads[axis]);
            result.Add(pads[axis + rank]);
        }

        return [.. result];
    }

    private static long[] LongsOf(OnnxNodeContext c, Tensor t, string what)
    {
        if (t.dtype is not (ScalarType.Int64 or ScalarType.Int32) || t.dim() > 1)
        {
            throw c.Invalid($"'{what}' must be a 1-D integer tensor, got {t.dtype} of rank {t.dim()}.");
        }

        using var longs = t.to_type(ScalarType.Int64);
        return longs.data<long>().ToArray();
    }

    private static double ScalarOf(OnnxNodeContext c, Tensor t, string what)
    {
        if (t.numel() != 1)
        {
            throw c.Invalid($"'{what}' must hold a single value, got {t.numel()}.");
        }

        using var d = t.to_type(ScalarType.Float64);
        return d.item<double>();
    }

    /// <summary>Convolution/pooling window attributes; pads are resolved per call because SAME depends on the input size.</summary>
    private sealed record Window(string AutoPad, long[] Strides, long[] Dilations, long[] Pads, long[] Kernel)
    {
        public long[] Resolve(long[] inputShape, long[] kernel)
        {
            var rank = Strides.Length;
            switch (AutoPad)
            {
                case "VALID":
                    return new long[2 * rank];
                case "SAME_UPPER":
                case "SAME_LOWER":
                    var pads = new long[2 * rank];
                    for (var i = 0; i < rank; i++)
                    {
                        var size = inputShape[2 + i];
                        var output = (size + Strides[i] - 1) / Strides[i];
                        var total = Math.Max(0, ((output - 1) * Strides[i]) + ((kernel[i] - 1) * Dilations[i]) + 1 - size);
                        var small = total / 2;
                        pads[i] = AutoPad == "SAME_UPPER" ? small : total - small;
                        pads[i + rank] = total - pads[i];
                    }

                    return pads;
                default:
                    return Pads;
            }
        }
    }
}
