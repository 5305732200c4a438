using FluentAssertions;
using IGOSpp.Onnx;
using NUnit.Framework;
using TorchSharp;
using static IGOSpp.Tests.Onnx.OnnxModelWriter;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Onnx;

/// <summary>Running an imported module: gradients, batches, validation, memory.</summary>
[TestFixture]
[Category("Onnx")]
public sealed class OnnxModuleTests
{
    [Test]
    public void Forward_SmoothTinyModel_InputGradientMatchesFiniteDifferences()
    {
        // Conv -> Sigmoid -> AveragePool (padded) -> Flatten -> Gemm -> Softmax: smooth, so central differences are exact to O(h^2).
        var model = new OnnxModelWriter(11).Input("x", 1, 2, 5, 5).Output("y")
            .Initializer("w", OnnxOperatorsTests.Random(1, 3, 2, 3, 3), [3, 2, 3, 3])
            .Initializer("b", OnnxOperatorsTests.Random(2, 3), [3])
            .Initializer("fc", OnnxOperatorsTests.Random(3, 4, 27), [4, 27])
            .Node("Conv", ["x", "w", "b"], ["c"], "", IntsAttribute("pads", 1, 0, 0, 1))
            .Node("Sigmoid", ["c"], ["s"])
            .Node("AveragePool", ["s"], ["p"], "", IntsAttribute("kernel_shape", 2, 2), IntsAttribute("strides", 2, 2), IntsAttribute("pads", 1, 1, 1, 1))
            .Node("Flatten", ["p"], ["f"])
            .Node("Gemm", ["f", "fc"], ["logits"], "", IntAttribute("transB", 1))
            .Node("Softmax", ["logits"], ["y"])
            .ToBytes();
        using var module = OnnxModel.Load(new MemoryStream(model)).to(ScalarType.Float64);
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(OnnxOperatorsTests.Random(4, 1, 2, 5, 5).Select(v => (double)v).ToArray(), [1, 2, 5, 5]).requires_grad_();

        var score = module.call(x)[0, 2];
        var gradient = torch.autograd.grad([score], [x])[0];

        gradient.isfinite().all().item<bool>().Should().BeTrue();
        gradient.abs().max().item<double>().Should().BeGreaterThan(1e-4, "the input must influence the score");
        const double h = 1e-5;
        var flat = x.detach().flatten();
        var analytic = gradient.flatten().data<double>().ToArray();
        using (torch.no_grad())
        {
            for (var i = 0; i < flat.numel(); i++)
            {
                var plus = flat.clone();
                plus[i] += h;
                var minus = flat.clone();
                minus[i] -= h;
                var up = module.call(plus.reshape(1, 2, 5, 5))[0, 2].item<double>();
                var down = module.call(minus.reshape(1, 2, 5, 5))[0, 2].item<double>();
                var numeric = (up - down) / (2 * h);
                Math.Abs(numeric - analytic[i]).Should().BeLessThan(1e-7, $"element {i}: numeric {numeric}, analytic {analytic[i]}");
            }
        }
    }

    [Test]
    public void Call_BatchLargerThanDeclaredWithFixedReshape_MatchesPerSampleOnnxRuntime()
    {
        // The graph declares batch 1 and reshapes to a constant [1, 48], as many exporters write it.
        var model = new OnnxModelWriter(13).Input("x", 1, 3, 4, 4).Output("y")
            .Initializer("shape", [1, 48], 2)
            .Initializer("fc", OnnxOperatorsTests.Random(5, 48, 5), [48, 5])
            .Node("Reshape", ["x", "shape"], ["f"])
            .Node("MatMul", ["f", "fc"], ["y"])
            .ToBytes();
        var input = OnnxOperatorsTests.Random(6, 3, 3, 4, 4);
        using var module = OnnxModel.Load(new MemoryStream(model));
        using var x = torch.tensor(input, [3, 3, 4, 4]);

        using var y = module.call(x);

        y.shape.Should().Equal(3L, 5L);
        var actual = y.data<float>().ToArray();
        for (var n = 0; n < 3; n++)
        {
            var (expected, _) = OnnxRuntimeReference.Run(model, "x", input[(n * 48)..((n + 1) * 48)], [1, 3, 4, 4]);
            OnnxOperatorsTests.MaxAbsDifference(actual[(n * 5)..((n + 1) * 5)], expected).Should().BeLessThan(1e-5);
        }
    }

    [Test]
    public void Call_DynamicBatchOff_RejectsOtherBatchSizes()
    {
        var model = new OnnxModelWriter(13).Input("x", 1, 4).Output("y").Node("Relu", ["x"], ["y"]).ToBytes();
        using var module = OnnxModel.Load(new MemoryStream(model), new OnnxImportOptions { DynamicBatch = false });
        using var x = torch.zeros(2, 4);

        var act = () => module.call(x);

        act.Should().Throw<ArgumentException>().WithParameterName("input").WithMessage("*[1,4]*[2,4]*");
    }

    [TestCase(new long[] { 1, 4, 5, 5 })]
    [TestCase(new long[] { 1, 2, 5 })]
    public void Call_WrongShape_ThrowsArgumentExceptionWithShapes(long[] shape)
    {
        using var module = TinyConv();
        using var x = torch.zeros(shape);

        var act = () => module.call(x);

        act.Should().Throw<ArgumentException>().WithParameterName("input").WithMessage("*[N,2,5,5]*");
    }

    [Test]
    public void Call_IntegerInput_ThrowsArgumentException()
    {
        using var module = TinyConv();
        using var x = torch.zeros([1, 2, 5, 5], ScalarType.Int64);

        var act = () => module.call(x);

        act.Should().Throw<ArgumentException>().WithParameterName("input");
    }

    [Test]
    public void Call_AfterToFloat64_RunsInDoubleAndMatchesFloat()
    {
        using var module = TinyConv();
        using var x = torch.rand([2, 2, 5, 5], generator: new Generator(3));
        using var expected = module.call(x);

        module.to(ScalarType.Float64);
        using var xd = x.to(ScalarType.Float64);
        using var actual = module.call(xd);

        actual.dtype.Should().Be(ScalarType.Float64);
        (actual.to(ScalarType.Float32) - expected).abs().max().item<float>().Should().BeLessThan(1e-5f);
    }

    [Test]
    public void Call_DoubleInputOnFloatModule_ThrowsArgumentExceptionNamingDtypes()
    {
        using var module = TinyConv();
        using var x = torch.zeros([1, 2, 5, 5], ScalarType.Float64);

        var act = () => module.call(x);

        act.Should().Throw<ArgumentException>().WithParameterName("input").WithMessage("*Float64*Float32*");
    }

    [Test]
    public void LoadAndDispose_Repeatedly_LeavesNoLiveTensors()
    {
        using (var warmup = TinyConv())
        {
        }

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++)
        {
            using var module = TinyConv();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Test]
    public void Call_ToCpuDevice_KeepsWorking()
    {
        using var module = TinyConv().to(torch.CPU);
        using var x = torch.ones(1, 2, 5, 5);

        using var y = module.call(x);

        y.device_type.Should().Be(DeviceType.CPU);
        y.shape.Should().Equal(1L, 3L, 5L, 5L);
    }

    [Test]
    public void Call_ManyTimes_LeavesNoLiveTensorsAndDoesNotTouchInput()
    {
        using var module = TinyConv();
        using var x = torch.rand(2, 2, 5, 5);
        using var copy = x.clone();
        using (var warmup = module.call(x))
        {
        }

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 20; i++)
        {
            using var y = module.call(x);
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        using var same = x.eq(copy).all();
        same.item<bool>().Should().BeTrue("the caller's input must not be modified");
    }

    [Test]
    public void Call_OutputIsAConstant_ReturnsANewTensorEachTime()
    {
        var model = new OnnxModelWriter(13).Input("x", 1, 2).Output("c")
            .Initializer("c", [1f, 2f], 2)
            .ToBytes();
        using var module = OnnxModel.Load(new MemoryStream(model));
        using var x = torch.zeros(1, 2);

        using (var first = module.call(x))
        {
            first.data<float>().ToArray().Should().Equal(1f, 2f);
        }

        using var second = module.call(x);
        // Disposing an output must not dispose the module's buffer.
        second.data<float>().ToArray().Should().Equal(1f, 2f);
    }

    private static OnnxModule TinyConv() => OnnxModel.Load(new MemoryStream(new OnnxModelWriter(11).Input("x", 1, 2, 5, 5).Output("y")
        .Initializer("w", OnnxOperatorsTests.Random(7, 3, 2, 3, 3), [3, 2, 3, 3])
        .Node("Conv", ["x", "w"], ["y"], "", IntsAttribute("pads", 1, 1, 1, 1))
        .ToBytes()));
}
