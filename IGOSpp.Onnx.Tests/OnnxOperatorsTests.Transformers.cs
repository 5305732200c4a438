using FluentAssertions;
using IGOSpp.Onnx;
using NUnit.Framework;
using TorchSharp;
using static IGOSpp.Tests.Onnx.OnnxModelWriter;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Onnx;

/// <summary>
/// The operators and attribute variants that PyTorch 1.13's exporter never writes (GroupNormalization of opsets 18 and
/// 21, Gelu of opset 20, Resize modes, Pad's axes, negative Slice steps, ...): each against ONNX Runtime, and its
/// input gradient against central finite differences in float64.
/// </summary>
public sealed partial class OnnxOperatorsTests
{
    private static readonly long[] Image = [2, 3, 7, 7];

    [TestCaseSource(nameof(GradientCases))]
    public void Forward_ImporterOnlyOperator_InputGradientMatchesFiniteDifferences(OperatorCase operatorCase)
    {
        using var module = OnnxModel.Load(new MemoryStream(operatorCase.Build().ToBytes())).to(ScalarType.Float64);
        using var scope = torch.NewDisposeScope();
        var input = Random(StableSeed(operatorCase.Name), operatorCase.InputShape).Select(v => (double)v).ToArray();
        var x = torch.tensor(input, operatorCase.InputShape).requires_grad_();
        var y = module.call(x);
        var weights = torch.tensor(Random(99, y.shape).Select(v => (double)v).ToArray(), y.shape);

        var gradient = torch.autograd.grad([(y * weights).sum()], [x])[0].flatten().data<double>().ToArray();

        const double h = 1e-6;
        var random = new Random(5);
        using var noGrad = torch.no_grad();
        for (var trial = 0; trial < 24; trial++)
        {
            var i = random.Next(input.Length);
            var shifted = (double[])input.Clone();
            shifted[i] = input[i] + h;
            var up = (module.call(torch.tensor(shifted, operatorCase.InputShape)) * weights).sum().item<double>();
            shifted[i] = input[i] - h;
            var down = (module.call(torch.tensor(shifted, operatorCase.InputShape)) * weights).sum().item<double>();
            var numeric = (up - down) / (2 * h);
            Math.Abs(numeric - gradient[i]).Should().BeLessThan(1e-5 * Math.Max(1, Math.Abs(numeric)), $"element {i}: numeric {numeric}, analytic {gradient[i]}");
        }
    }

    private static IEnumerable<TestCaseData> GradientCases() =>
        ImporterOnlyCases().Where(c => !c.Name.StartsWith("Shape", StringComparison.Ordinal) && !c.Name.StartsWith("Size", StringComparison.Ordinal))
            .Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    private static IEnumerable<OperatorCase> ImporterOnlyCases()
    {
        long[] grouped = [2, 4, 3, 3];
        yield return Unary("GroupNormalization_Opset18PerGroupScale", 18, grouped, "GroupNormalization",
            [("scale", Random(40, 2), [2]), ("bias", Random(41, 2), [2])], IntAttribute("num_groups", 2), FloatAttribute("epsilon", 1e-3f));
        yield return Unary("GroupNormalization_Opset21PerChannelScale", 21, grouped, "GroupNormalization",
            [("scale", Random(42, 4), [4]), ("bias", Random(43, 4), [4])], IntAttribute("num_groups", 2));
        yield return Unary("Gelu_Opset20", 20, Image, "Gelu", []);
        yield return Unary("Gelu_Opset20Tanh", 20, Image, "Gelu", [], StringAttribute("approximate", "tanh"));
        yield return Unary("LayerNormalization_Opset17LastTwoAxes", 17, Image, "LayerNormalization",
            [("scale", Random(44, 49), [7, 7]), ("bias", Random(45, 7), [7])], IntAttribute("axis", -2));
        yield return Unary("InstanceNormalization", 13, Image, "InstanceNormalization", [("scale", Random(46, 3), [3]), ("bias", Random(47, 3), [3])]);
        yield return Unary("PRelu_ChannelSlope", 13, Image, "PRelu", [("slope", Random(48, 3), [3, 1, 1])]);
        yield return Unary("Softplus", 13, Image, "Softplus", []);
        yield return Unary("Erf", 13, Image, "Erf", []);
        yield return Unary("Tanh", 13, Image, "Tanh", []);
        yield return Unary("LogSoftmax_Opset13", 13, Image, "LogSoftmax", [], IntAttribute("axis", 1));
        yield return Unary("ReduceMin_Opset18AxesInput", 18, Image, "ReduceMin", [], [("axes", [1, -1])]);
        yield return Unary("ReduceL2_Opset13Axes", 13, Image, "ReduceL2", [], IntsAttribute("axes", 2, 3));
        yield return Unary("ReduceSum_Opset13AxesInputNoKeepDims", 13, Image, "ReduceSum", [], [("axes", [1])], IntAttribute("keepdims", 0));
        yield return Unary("ReduceMax_Opset13", 13, Image, "ReduceMax", [], IntsAttribute("axes", 3));
        yield return Unary("GlobalMaxPool", 13, Image, "GlobalMaxPool", []);
        yield return Unary("Pow_FloatExponent", 13, Image, "Pow", [("e", [2f], [])]);
        yield return Unary("Max_ThreeInputs", 13, Image, "Max", [("a", Random(49, 7), [7]), ("b", Random(50, 3, 1, 1), [3, 1, 1])]);
        yield return Unary("Min_ThreeInputs", 13, Image, "Min", [("a", Random(51, 7), [7]), ("b", Random(52, 3, 1, 1), [3, 1, 1])]);
        yield return Unary("Mod_Fmod", 13, Image, "Mod", [("d", [0.7f], [])], IntAttribute("fmod", 1));
        yield return Unary("Einsum_ChannelContraction", 13, Image, "Einsum", [("w", Random(53, 3 * 4), [3, 4])], StringAttribute("equation", "nchw,cd->ndhw"));

        // Resize: every mode and coordinate transformation, up and down
        long[] small = [1, 2, 6, 6];
        yield return Resize("Resize_NearestHalfPixelRoundPreferFloorDown", 13, small, [1, 1, 0.5f, 0.5f]);
        yield return Resize("Resize_NearestAsymmetricFloorUp", 13, small, [1, 1, 2, 2],
            StringAttribute("coordinate_transformation_mode", "asymmetric"), StringAttribute("nearest_mode", "floor"));
        yield return Resize("Resize_NearestTfHalfPixelRoundPreferCeil", 11, small, [1, 1, 1.5f, 1.5f],
            StringAttribute("coordinate_transformation_mode", "tf_half_pixel_for_nn"), StringAttribute("nearest_mode", "round_prefer_ceil"));
        yield return Resize("Resize_LinearHalfPixel", 13, small, [1, 1, 1.5f, 0.7f], StringAttribute("mode", "linear"));
        yield return Resize("Resize_LinearHalfPixelSymmetric", 19, small, [1, 1, 1.7f, 1.3f], StringAttribute("mode", "linear"),
            StringAttribute("coordinate_transformation_mode", "half_pixel_symmetric"));
        yield return Resize("Resize_CubicExcludeOutside", 13, small, [1, 1, 1.6f, 2f], StringAttribute("mode", "cubic"),
            FloatAttribute("cubic_coeff_a", -0.5f), IntAttribute("exclude_outside", 1));
        yield return Resize("Resize_CubicPytorchHalfPixel", 13, small, [1, 1, 2f, 0.5f], StringAttribute("mode", "cubic"),
            StringAttribute("coordinate_transformation_mode", "pytorch_half_pixel"));
        yield return new OperatorCase("Resize_LinearAlignCornersSizes", small, () => new OnnxModelWriter(13)
            .Input("x", small.Cast<long?>().ToArray()).Output("y")
            .Initializer("sizes", [1, 2, 4, 9], 4)
            .Node("Resize", ["x", "", "", "sizes"], ["y"], "", StringAttribute("mode", "linear"), StringAttribute("coordinate_transformation_mode", "align_corners")));
        yield return new OperatorCase("Resize_Opset18Axes", small, () => new OnnxModelWriter(18)
            .Input("x", small.Cast<long?>().ToArray()).Output("y")
            .Initializer("scales", [2f, 0.5f], [2])
            .Node("Resize", ["x", "", "scales"], ["y"], "", StringAttribute("mode", "linear"), IntsAttribute("axes", 3, 2)));

        // Shapes and indexing
        yield return Chain("Pad_Opset18AxesInput", 18, Image, w => w
            .Initializer("pads", new long[] { 1, 2, 0, 1 }, 4).Initializer("value", [0.25f]).Initializer("axes", new long[] { 2, -1 }, 2)
            .Node("Pad", ["x", "pads", "value", "axes"], ["y"]));
        yield return Unary("Slice_NegativeSteps", 13, Image, "Slice", [], [("starts", [-1, 5]), ("ends", [-100, 0]), ("axes", [3, 2]), ("steps", [-2, -1])]);
        yield return Unary("Slice_Opset9Attributes", 9, Image, "Slice", [], IntsAttribute("starts", 1, -3), IntsAttribute("ends", 3, 1000), IntsAttribute("axes", 1, 3));
        yield return Unary("Tile_Repeats", 13, Image, "Tile", [], [("repeats", [1, 2, 1, 3])]);
        yield return Unary("Expand_Bidirectional", 13, Image, "Expand", [], [("shape", [3, 1, 1, 1, 1])]);
        yield return Unary("Unsqueeze_Opset11Attribute", 11, Image, "Unsqueeze", [], IntsAttribute("axes", 0, -1));
        yield return Unary("Unsqueeze_Opset13Input", 13, Image, "Unsqueeze", [], [("axes", [2])]);
        yield return Unary("Squeeze_Opset11NoAxes", 11, [2, 1, 7, 1], "Squeeze", []);
        yield return Unary("Squeeze_Opset13AxesInput", 13, [2, 1, 7, 1], "Squeeze", [], [("axes", [-1])]);
        yield return Unary("Gather_NegativeIndices", 13, Image, "Gather", [], [("indices", [-1, 0])], IntAttribute("axis", 1));
        yield return Chain("Split_Opset18NumOutputsUneven", 18, Image, w => w
            .Node("Split", ["x"], ["a", "b", "c"], "", IntAttribute("axis", 2), IntAttribute("num_outputs", 3))
            .Node("Concat", ["c", "a", "b"], ["y"], "", IntAttribute("axis", 2)));
        yield return Chain("Split_Opset11SplitAttribute", 11, Image, w => w
            .Node("Split", ["x"], ["a", "b"], "", IntAttribute("axis", 3), IntsAttribute("split", 2, 5))
            .Node("Concat", ["b", "a"], ["y"], "", IntAttribute("axis", 3)));
        yield return Chain("ScatterND_Opset16Add", 16, Image, w => w
            .Initializer("indices", [0, 1, 1, 2, 0, 1], 3, 2).Initializer("updates", Random(54, 3 * 49), [3, 7, 7])
            .Node("ScatterND", ["x", "indices", "updates"], ["y"], "", StringAttribute("reduction", "add")));
        yield return Chain("Where_GreaterNeg", 13, Image, w => w
            .Initializer("zero", [0f], [])
            .Node("Greater", ["x", "zero"], ["g"]).Node("Neg", ["x"], ["n"])
            .Node("Where", ["g", "x", "n"], ["y"]));
        yield return Chain("ConstantOfShape_RangeAndShapeArithmetic", 13, Image, w => w
            .Initializer("start", [0.5f]).Initializer("limit", [2.25f]).Initializer("delta", [0.25f]).Initializer("index", new long[] { 3 }, 1)
            .Node("Shape", ["x"], ["s"])
            .Node("ConstantOfShape", ["s"], ["c"], "", TensorAttribute("value", [0.75f], 1))
            .Node("Gather", ["s", "index"], ["width"])
            .Node("Cast", ["width"], ["widthF"], "", IntAttribute("to", 1))
            .Node("Squeeze", ["widthF"], ["width0"])
            .Node("Range", ["start", "limit", "delta"], ["r"])
            .Node("Mul", ["x", "c"], ["xc"])
            .Node("Add", ["xc", "r"], ["xr"])
            .Node("Div", ["xr", "width0"], ["y"]));
        yield return Chain("Shape_Opset15StartEnd", 15, Image, w => w
            .Node("Shape", ["x"], ["s"], "", IntAttribute("start", 1), IntAttribute("end", -1))
            .Node("Cast", ["s"], ["y"], "", IntAttribute("to", 1)));
        yield return Chain("Size_AsFloat", 13, Image, w => w
            .Node("Size", ["x"], ["s"])
            .Node("Cast", ["s"], ["y"], "", IntAttribute("to", 1)));
    }

    private static OperatorCase Resize(string name, long opset, long[] shape, float[] scales, params byte[][] attributes) =>
        new(name, shape, () => new OnnxModelWriter(opset)
            .Input("x", shape.Cast<long?>().ToArray()).Output("y")
            .Initializer("roi", Array.Empty<float>(), [0]).Initializer("scales", scales, [scales.Length])
            .Node("Resize", ["x", "roi", "scales"], ["y"], "", attributes));

    private static OperatorCase Chain(string name, long opset, long[] shape, Func<OnnxModelWriter, OnnxModelWriter> nodes) =>
        new(name, shape, () => nodes(new OnnxModelWriter(opset).Input("x", shape.Cast<long?>().ToArray()).Output("y")));
}
