using FluentAssertions;
using IGOSpp.Onnx;
using NUnit.Framework;
using TorchSharp;
using static IGOSpp.Tests.Onnx.OnnxModelWriter;

namespace IGOSpp.Tests.Onnx;

/// <summary>
/// Each supported operator (and each important attribute variant) in a tiny generated model, compared with ONNX
/// Runtime on seeded random inputs and weights.
/// </summary>
[TestFixture]
[Category("Onnx")]
public sealed partial class OnnxOperatorsTests
{
    private const double Tolerance = 1e-5;

    public sealed record OperatorCase(string Name, long[] InputShape, Func<OnnxModelWriter> Build)
    {
        public override string ToString() => Name;
    }

    [TestCaseSource(nameof(Cases))]
    public void Load_OperatorModel_MatchesOnnxRuntime(OperatorCase operatorCase)
    {
        var model = operatorCase.Build().ToBytes();
        var input = Random(StableSeed(operatorCase.Name), operatorCase.InputShape);
        var (expected, expectedShape) = OnnxRuntimeReference.Run(model, "x", input, operatorCase.InputShape);

        using var module = OnnxModel.Load(new MemoryStream(model), sourceName: operatorCase.Name);
        using var x = torch.tensor(input, operatorCase.InputShape);
        using var y = module.call(x);

        y.shape.Should().Equal(expectedShape, "the output shape must match ONNX Runtime's");
        MaxAbsDifference(y.data<float>().ToArray(), expected).Should().BeLessThan(Tolerance);
    }

    private static IEnumerable<TestCaseData> Cases() => AllCases().Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    private static IEnumerable<OperatorCase> AllCases()
    {
        long[] image = [2, 3, 7, 7];

        // Conv
        yield return Unary("Conv_SymmetricPadsWithBias", 11, image, "Conv", [("w", Random(1, 4, 3, 3, 3), [4, 3, 3, 3]), ("b", Random(2, 4), [4])],
            IntsAttribute("pads", 1, 1, 1, 1));
        yield return Unary("Conv_AsymmetricPadsStrides", 11, image, "Conv", [("w", Random(3, 4, 3, 3, 3), [4, 3, 3, 3])],
            IntsAttribute("pads", 0, 1, 2, 0), IntsAttribute("strides", 2, 1));
        yield return Unary("Conv_AutoPadSameUpper", 11, [2, 3, 9, 9], "Conv", [("w", Random(4, 2, 3, 4, 4), [2, 3, 4, 4])],
            StringAttribute("auto_pad", "SAME_UPPER"), IntsAttribute("strides", 2, 2));
        yield return Unary("Conv_AutoPadSameLower", 11, [2, 3, 9, 9], "Conv", [("w", Random(5, 2, 3, 4, 4), [2, 3, 4, 4])],
            StringAttribute("auto_pad", "SAME_LOWER"), IntsAttribute("strides", 2, 2));
        yield return Unary("Conv_AutoPadValid", 8, image, "Conv", [("w", Random(6, 2, 3, 3, 2), [2, 3, 3, 2])],
            StringAttribute("auto_pad", "VALID"), IntsAttribute("kernel_shape", 3, 2));
        yield return Unary("Conv_Groups", 11, [2, 4, 7, 7], "Conv", [("w", Random(7, 6, 2, 3, 3), [6, 2, 3, 3]), ("b", Random(8, 6), [6])],
            IntAttribute("group", 2), IntsAttribute("pads", 1, 1, 1, 1));
        yield return Unary("Conv_DepthwiseDilations", 11, [2, 3, 9, 9], "Conv", [("w", Random(9, 3, 1, 3, 3), [3, 1, 3, 3])],
            IntAttribute("group", 3), IntsAttribute("dilations", 2, 2), IntsAttribute("pads", 2, 1, 2, 1));
        yield return Unary("Conv_1D", 11, [2, 3, 10], "Conv", [("w", Random(10, 4, 3, 3), [4, 3, 3]), ("b", Random(11, 4), [4])],
            IntsAttribute("pads", 1, 0), IntsAttribute("strides", 2));
        yield return Unary("Conv_3DAsymmetricPads", 11, [1, 2, 4, 5, 5], "Conv", [("w", Random(19, 3, 2, 2, 3, 3), [3, 2, 2, 3, 3])],
            IntsAttribute("pads", 0, 1, 1, 1, 0, 1));

        // BatchNormalization (opset 7 has the 'spatial' attribute; opset 15 does not)
        foreach (var opset in new long[] { 7, 15 })
        {
            yield return Unary($"BatchNormalization_Opset{opset}", opset, image, "BatchNormalization",
                [("scale", Random(12, 3), [3]), ("bias", Random(13, 3), [3]), ("mean", Random(14, 3), [3]), ("var", Positive(15, 3), [3])],
                opset < 9 ? [FloatAttribute("epsilon", 1e-3f), IntAttribute("spatial", 1)] : [FloatAttribute("epsilon", 1e-3f)]);
        }

        // Activations
        yield return Unary("Relu", 13, image, "Relu", []);
        yield return Unary("LeakyRelu", 13, image, "LeakyRelu", [], FloatAttribute("alpha", 0.2f));
        yield return Unary("Sigmoid", 13, image, "Sigmoid", []);
        yield return Unary("HardSigmoid", 13, image, "HardSigmoid", [], FloatAttribute("alpha", 0.3f), FloatAttribute("beta", 0.4f));
        yield return Unary("HardSwish", 14, image, "HardSwish", []);
        yield return Unary("Clip_Opset7Attributes", 7, image, "Clip", [], FloatAttribute("min", -0.5f), FloatAttribute("max", 0.7f));
        yield return new OperatorCase("Clip_Opset11InputsAsRelu6", image, () => new OnnxModelWriter(11)
            .Input("x", image.Cast<long?>().ToArray()).Output("y")
            .Initializer("scale", [4f], [])
            .Initializer("lo", [0f], []).Initializer("hi", [6f], [])
            .Node("Mul", ["x", "scale"], ["x4"])
            .Node("Clip", ["x4", "lo", "hi"], ["y"], "relu6"));
        yield return new OperatorCase("Clip_Opset13MaxOnly", image, () => new OnnxModelWriter(13)
            .Input("x", image.Cast<long?>().ToArray()).Output("y")
            .Initializer("hi", [0.25f], [])
            .Node("Clip", ["x", "", "hi"], ["y"]));

        // Element-wise arithmetic with numpy broadcasting
        yield return Unary("Add_BroadcastChannel", 13, image, "Add", [("c", Random(16, 3), [3, 1, 1])]);
        yield return Unary("Sub_BroadcastLastAxis", 13, image, "Sub", [("c", Random(17, 7), [7])]);
        yield return Unary("Mul_BroadcastFull", 13, image, "Mul", [("c", Random(18, 3 * 7 * 7), [1, 3, 7, 7])]);
        yield return Unary("Div_BroadcastScalar", 7, image, "Div", [("c", [0.37f], [1])]);
        yield return new OperatorCase("Mul_SameInputTwice", image, () => new OnnxModelWriter(13)
            .Input("x", image.Cast<long?>().ToArray()).Output("y")
            .Node("Mul", ["x", "x"], ["y"]));

        // Pooling
        yield return Unary("MaxPool_Basic", 8, [2, 3, 8, 8], "MaxPool", [], IntsAttribute("kernel_shape", 2, 2), IntsAttribute("strides", 2, 2));
        yield return Unary("MaxPool_AsymmetricPads", 8, image, "MaxPool", [],
            IntsAttribute("kernel_shape", 3, 3), IntsAttribute("strides", 2, 2), IntsAttribute("pads", 1, 1, 0, 0));
        yield return Unary("MaxPool_CeilMode", 10, [2, 3, 8, 8], "MaxPool", [],
            IntsAttribute("kernel_shape", 3, 3), IntsAttribute("strides", 2, 2), IntAttribute("ceil_mode", 1));
        yield return Unary("MaxPool_CeilModeLastWindowInPad", 10, [2, 3, 5, 5], "MaxPool", [],
            IntsAttribute("kernel_shape", 2, 2), IntsAttribute("strides", 2, 2), IntsAttribute("pads", 1, 1, 1, 1), IntAttribute("ceil_mode", 1));
        yield return Unary("AveragePool_CeilModeLastWindowInPad", 10, [2, 3, 5, 5], "AveragePool", [],
            IntsAttribute("kernel_shape", 2, 2), IntsAttribute("strides", 2, 2), IntsAttribute("pads", 1, 1, 1, 1), IntAttribute("ceil_mode", 1));
        yield return Unary("MaxPool_CeilModeAsymmetricPads", 10, [2, 3, 6, 6], "MaxPool", [],
            IntsAttribute("kernel_shape", 3, 3), IntsAttribute("strides", 2, 2), IntsAttribute("pads", 2, 0, 1, 2), IntAttribute("ceil_mode", 1));
        yield return Unary("AveragePool_CeilModeAsymmetricPadsIncludePad", 11, [2, 3, 6, 6], "AveragePool", [],
            IntsAttribute("kernel_shape", 3, 3), IntsAttribute("strides", 2, 2), IntsAttribute("pads", 2, 0, 1, 2), IntAttribute("ceil_mode", 1),
            IntAttribute("count_include_pad", 1));
        yield return Unary("MaxPool_Dilations", 11, [2, 3, 9, 9], "MaxPool", [],
            IntsAttribute("kernel_shape", 2, 2), IntsAttribute("dilations", 2, 2), IntsAttribute("pads", 1, 1, 1, 1));
        yield return Unary("MaxPool_AutoPadSameUpper", 11, image, "MaxPool", [],
            IntsAttribute("kernel_shape", 2, 2), IntsAttribute("strides", 2, 2), StringAttribute("auto_pad", "SAME_UPPER"));
        yield return Unary("AveragePool_ExcludePad", 11, image, "AveragePool", [],
            IntsAttribute("kernel_shape", 3, 3), IntsAttribute("pads", 1, 1, 1, 1), IntAttribute("count_include_pad", 0));
        yield return Unary("AveragePool_IncludePad", 11, image, "AveragePool", [],
            IntsAttribute("kernel_shape", 3, 3), IntsAttribute("pads", 1, 1, 1, 1), IntAttribute("count_include_pad", 1));
        yield return Unary("AveragePool_AsymmetricPadsExcludePad", 11, image, "AveragePool", [],
            IntsAttribute("kernel_shape", 3, 2), IntsAttribute("strides", 2, 2), IntsAttribute("pads", 0, 1, 2, 0));
        yield return Unary("AveragePool_AsymmetricPadsIncludePad", 11, image, "AveragePool", [],
            IntsAttribute("kernel_shape", 3, 2), IntsAttribute("strides", 2, 2), IntsAttribute("pads", 0, 1, 2, 0), IntAttribute("count_include_pad", 1));
        yield return Unary("AveragePool_CeilMode", 10, [2, 3, 8, 8], "AveragePool", [],
            IntsAttribute("kernel_shape", 3, 3), IntsAttribute("strides", 2, 2), IntAttribute("ceil_mode", 1));
        yield return Unary("AveragePool_CeilModePadsIncludePad", 11, [2, 3, 8, 8], "AveragePool", [],
            IntsAttribute("kernel_shape", 3, 3), IntsAttribute("strides", 2, 2), IntsAttribute("pads", 1, 1, 1, 1),
            IntAttribute("ceil_mode", 1), IntAttribute("count_include_pad", 1));
        yield return Unary("AveragePool_SameLower", 11, image, "AveragePool", [],
            IntsAttribute("kernel_shape", 2, 2), StringAttribute("auto_pad", "SAME_LOWER"));
        yield return Unary("GlobalAveragePool", 11, image, "GlobalAveragePool", []);

        // Matrix products
        yield return new OperatorCase("Gemm_TransBAlphaBeta", [2, 3, 4, 4], () => new OnnxModelWriter(11)
            .Input("x", 2, 3, 4, 4).Output("y")
            .Initializer("w", Random(20, 5 * 48), [5, 48]).Initializer("c", Random(21, 5), [5])
            .Node("Flatten", ["x"], ["f"])
            .Node("Gemm", ["f", "w", "c"], ["y"], "", IntAttribute("transB", 1), FloatAttribute("alpha", 0.5f), FloatAttribute("beta", 2f)));
        yield return new OperatorCase("Gemm_TransANoBias", [6, 4], () => new OnnxModelWriter(11)
            .Input("x", 6, 4).Output("y")
            .Initializer("w", Random(22, 6 * 3), [6, 3])
            .Node("Gemm", ["x", "w"], ["y"], "", IntAttribute("transA", 1)));
        yield return Unary("MatMul_Batched", 13, [2, 3, 4], "MatMul", [("w", Random(23, 4 * 5), [4, 5])]);

        // Shapes
        yield return Unary("Flatten_Axis2", 11, [2, 3, 4, 4], "Flatten", [], IntAttribute("axis", 2));
        yield return Unary("Flatten_NegativeAxis", 13, [2, 3, 4, 4], "Flatten", [], IntAttribute("axis", -1));
        yield return Unary("Reshape_ZeroAndMinusOne", 13, [2, 3, 4, 4], "Reshape", [], [("shape", [0, -1, 8]), ]);
        yield return Unary("Reshape_Opset14AllowZeroOff", 14, [2, 3, 4, 4], "Reshape", [], [("shape", [0, 3, -1])], IntAttribute("allowzero", 0));
        yield return Unary("Concat_WithConstant", 11, image, "Concat", [("c", Random(24, 2 * 2 * 7 * 7), [2, 2, 7, 7])], IntAttribute("axis", 1));
        yield return Unary("Transpose_Perm", 11, image, "Transpose", [], IntsAttribute("perm", 0, 2, 3, 1));
        yield return Unary("Transpose_DefaultReverses", 11, image, "Transpose", []);

        // Softmax: opset < 13 flattens to 2-D from the axis on; opset 13 is per-axis
        yield return Unary("Softmax_Opset11Axis1Coerced2D", 11, [2, 3, 4], "Softmax", []);
        yield return Unary("Softmax_Opset11Axis2", 11, [2, 3, 4], "Softmax", [], IntAttribute("axis", 2));
        yield return Unary("Softmax_Opset13Axis1", 13, [2, 3, 4], "Softmax", [], IntAttribute("axis", 1));
        yield return Unary("Softmax_Opset13Default", 13, [2, 3, 4], "Softmax", []);

        // Identity-like
        yield return Unary("Dropout_Opset7", 7, image, "Dropout", [], FloatAttribute("ratio", 0.3f));
        yield return Unary("Dropout_Opset12RatioInput", 12, image, "Dropout", [("ratio", [0.3f], [])]);
        yield return Unary("Identity", 13, image, "Identity", []);

        // Pad: attributes before opset 11, inputs from opset 11
        yield return Unary("Pad_Opset7ConstantAttribute", 7, image, "Pad", [],
            IntsAttribute("pads", 0, 0, 1, 2, 0, 0, 2, 1), FloatAttribute("value", 0.5f));
        yield return Unary("Pad_Opset11Reflect", 11, image, "Pad", [], [("pads", [0, 0, 2, 1, 0, 0, 1, 2])], StringAttribute("mode", "reflect"));
        yield return Unary("Pad_Opset13Edge", 13, image, "Pad", [], [("pads", [0, 0, 0, 3, 0, 0, 2, 0])], StringAttribute("mode", "edge"));
        yield return new OperatorCase("Pad_Opset11ConstantValueAndCrop", image, () => new OnnxModelWriter(11)
            .Input("x", image.Cast<long?>().ToArray()).Output("y")
            .Initializer("pads", [0, 1, -1, 2, 0, 0, 1, -2], [8]).Initializer("value", [-1.5f], [])
            .Node("Pad", ["x", "pads", "value"], ["y"]));

        // Constant
        yield return new OperatorCase("Constant_TensorValue", image, () => new OnnxModelWriter(11)
            .Input("x", image.Cast<long?>().ToArray()).Output("y")
            .Node("Constant", [], ["c"], "", TensorAttribute("value", Random(25, 3), 3, 1, 1))
            .Node("Mul", ["x", "c"], ["y"]));
        yield return new OperatorCase("Constant_ValueFloat", image, () => new OnnxModelWriter(13)
            .Input("x", image.Cast<long?>().ToArray()).Output("y")
            .Node("Constant", [], ["c"], "", FloatAttribute("value_float", 1.75f))
            .Node("Sub", ["x", "c"], ["y"]));
        yield return new OperatorCase("Constant_ValueIntsAsReshapeShape", image, () => new OnnxModelWriter(13)
            .Input("x", image.Cast<long?>().ToArray()).Output("y")
            .Node("Constant", [], ["s"], "", IntsAttribute("value_ints", 2, -1))
            .Node("Reshape", ["x", "s"], ["y"]));

        // ReduceMean: axes attribute before opset 18, input from opset 18
        yield return Unary("ReduceMean_Opset11AxesKeepDims", 11, image, "ReduceMean", [], IntsAttribute("axes", 2, 3));
        yield return Unary("ReduceMean_Opset13NoKeepDims", 13, image, "ReduceMean", [], IntsAttribute("axes", 1), IntAttribute("keepdims", 0));
        yield return Unary("ReduceMean_Opset13AllAxes", 13, image, "ReduceMean", [], IntAttribute("keepdims", 0));
        yield return Unary("ReduceMean_Opset18AxesInput", 18, image, "ReduceMean", [], [("axes", [-1, 1])]);

        foreach (var extra in ImporterOnlyCases())
        {
            yield return extra;
        }

        // A few nodes chained, as in a small CNN
        yield return new OperatorCase("SmallCnn_Chain", [2, 3, 8, 8], () => new OnnxModelWriter(11)
            .Input("x", 2, 3, 8, 8).Output("y")
            .Initializer("w1", Random(30, 4 * 3 * 3 * 3), [4, 3, 3, 3]).Initializer("b1", Random(31, 4), [4])
            .Initializer("s", Positive(32, 4), [4]).Initializer("o", Random(33, 4), [4])
            .Initializer("m", Random(34, 4), [4]).Initializer("v", Positive(35, 4), [4])
            .Initializer("fc", Random(36, 10 * 4), [10, 4]).Initializer("fb", Random(37, 10), [10])
            .Node("Conv", ["x", "w1", "b1"], ["c1"], "", IntsAttribute("pads", 1, 1, 1, 1))
            .Node("BatchNormalization", ["c1", "s", "o", "m", "v"], ["bn"])
            .Node("Relu", ["bn"], ["r"])
            .Node("MaxPool", ["r"], ["p"], "", IntsAttribute("kernel_shape", 2, 2), IntsAttribute("strides", 2, 2))
            .Node("GlobalAveragePool", ["p"], ["g"])
            .Node("Flatten", ["g"], ["f"])
            .Node("Gemm", ["f", "fc", "fb"], ["logits"], "", IntAttribute("transB", 1))
            .Node("Softmax", ["logits"], ["y"]));
    }

    private static OperatorCase Unary(
        string name, long opset, long[] shape, string op, (string Name, float[] Data, long[] Dims)[] initializers, params byte[][] attributes) =>
        Unary(name, opset, shape, op, initializers, [], attributes);

    private static OperatorCase Unary(
        string name,
        long opset,
        long[] shape,
        string op,
        (string Name, float[] Data, long[] Dims)[] initializers,
        (string Name, long[] Data)[] intInitializers,
        params byte[][] attributes) =>
        new(name, shape, () =>
        {
            var writer = new OnnxModelWriter(opset).Input("x", shape.Cast<long?>().ToArray()).Output("y");
            foreach (var (initName, data, dims) in initializers)
            {
                writer.Initializer(initName, data, dims);
            }

            foreach (var (initName, data) in intInitializers)
            {
                writer.Initializer(initName, data, data.Length);
            }

            return writer.Node(op, ["x", .. initializers.Select(i => i.Name), .. intInitializers.Select(i => i.Name)], ["y"], "", attributes);
        });

    internal static float[] Random(int seed, params long[] dims)
    {
        var random = new Random(seed);
        var count = dims.Aggregate(1L, (a, b) => a * b);
        return Enumerable.Range(0, (int)count).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray();
    }

    /// <summary>A seed derived from the case name (string.GetHashCode is randomized per process, so not that).</summary>
    private static int StableSeed(string name) => name.Aggregate(17, (hash, c) => unchecked((hash * 31) + c)) & 0x7fffffff;

    private static float[] Positive(int seed, params long[] dims) => Random(seed, dims).Select(v => Math.Abs(v) + 0.1f).ToArray();

    internal static double MaxAbsDifference(float[] actual, float[] expected)
    {
        actual.Length.Should().Be(expected.Length);
        double max = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var d = Math.Abs((double)actual[i] - expected[i]);
            max = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(max, d);
        }

        return max;
    }
}
