using FluentAssertions;
using IGOSpp.Onnx;
using NUnit.Framework;
using TorchSharp;
using static IGOSpp.Tests.Onnx.OnnxModelWriter;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Onnx;

/// <summary>Loading: options, and every way a file can be unusable fails at load with a clear exception.</summary>
[TestFixture]
[Category("Onnx")]
public sealed class OnnxModelTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "igospp-onnx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Load_UnsupportedOperator_ThrowsNotSupportedNamingOperatorAndNode()
    {
        var model = new OnnxModelWriter(13).Input("x", 1, 4).Output("y")
            .Node("Relu", ["x"], ["r"])
            .Node("LpNormalization", ["r"], ["y"], "my_lp_node")
            .ToBytes();

        var act = () => OnnxModel.Load(new MemoryStream(model), sourceName: "lp.onnx");

        act.Should().Throw<NotSupportedException>()
            .Where(e => e.Message.Contains("'LpNormalization'") && e.Message.Contains("my_lp_node") && e.Message.Contains("lp.onnx"));
    }

    [Test]
    public void Load_GraphFieldSplitInTwo_MergesThemAsProtobufRequires()
    {
        // A serialized model with a second ModelProto.graph field appended (what a tool that extends a model without
        // re-encoding it writes): protobuf merges the two, so nodes, outputs and initializers of both parts count.
        var first = new OnnxModelWriter(13).Input("x", 1, 4).Output("y").Node("Relu", ["x"], ["y"]).ToBytes();
        var second = new OnnxModelWriter(13).Output("z").Node("Sigmoid", ["y"], ["z"]).ToGraphFieldBytes();

        using var module = OnnxModel.Load(new MemoryStream([.. first, .. second]), new OnnxImportOptions { OutputName = "z" });
        using var x = torch.tensor(new[] { -1f, 0.5f, 2f, -3f }).reshape(1, 4);
        using var y = module.call(x);

        module.InputName.Should().Be("x");
        var expected = new[] { 0.5f, 1 / (1 + MathF.Exp(-0.5f)), 1 / (1 + MathF.Exp(-2f)), 0.5f };
        y.data<float>().ToArray().Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Test]
    public void Load_UnsupportedOperatorOnlyAfterSelectedOutput_LoadsThePrefix()
    {
        var model = new OnnxModelWriter(13).Input("x", 1, 4).Output("y")
            .Node("Relu", ["x"], ["r"])
            .Node("LpNormalization", ["r"], ["y"], "tail")
            .ToBytes();

        using var module = OnnxModel.Load(new MemoryStream(model), new OnnxImportOptions { OutputName = "r" });
        using var x = TorchSharp.torch.tensor(new float[] { -1, 2, -3, 4 }, [1, 4]);
        using var y = module.call(x);

        y.data<float>().ToArray().Should().Equal(0f, 2f, 0f, 4f);
        module.OutputName.Should().Be("r");
    }

    [Test]
    public void Load_UnsupportedAttributeValue_ThrowsNotSupportedAtLoad()
    {
        var model = new OnnxModelWriter(13).Input("x", 1, 3, 4, 4).Output("y")
            .Node("Pad", ["x", "p"], ["y"], "wrap_pad", StringAttribute("mode", "wrap"))
            .Initializer("p", [0, 0, 1, 1, 0, 0, 1, 1], 8)
            .ToBytes();

        var act = () => OnnxModel.Load(new MemoryStream(model));

        act.Should().Throw<NotSupportedException>().Where(e => e.Message.Contains("wrap_pad") && e.Message.Contains("wrap"));
    }

    [Test]
    public void Load_UnsupportedInitializerDataType_ThrowsNotSupportedNamingTensor()
    {
        var model = new OnnxModelWriter(13).Input("x", 1, 2).Output("y")
            .RawInitializer(RawTensor("half_weights", 10, new byte[4], 2))
            .Node("Add", ["x", "half_weights"], ["y"])
            .ToBytes();

        var act = () => OnnxModel.Load(new MemoryStream(model));

        act.Should().Throw<NotSupportedException>().Where(e => e.Message.Contains("half_weights") && e.Message.Contains("Float16"));
    }

    [Test]
    public void Load_RawDataOfWrongLength_ThrowsInvalidData()
    {
        var model = new OnnxModelWriter(13).Input("x", 1, 2).Output("y")
            .RawInitializer(RawTensor("short", 1, new byte[5], 2))
            .Node("Add", ["x", "short"], ["y"])
            .ToBytes();

        var act = () => OnnxModel.Load(new MemoryStream(model), sourceName: "short.onnx");

        act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains("short.onnx") && e.Message.Contains("'short'"));
    }

    [TestCase(6)]
    [TestCase(22)]
    public void Load_OpsetOutOfRange_ThrowsNotSupported(int opset)
    {
        var model = new OnnxModelWriter(opset).Input("x", 1, 2).Output("y").Node("Relu", ["x"], ["y"]).ToBytes();

        var act = () => OnnxModel.Load(new MemoryStream(model));

        act.Should().Throw<NotSupportedException>().WithMessage($"*opset {opset}*");
    }

    [Test]
    public void Call_ReshapeShapeComputedAtRunTime_UsesTheShapeOfThisCall()
    {
        // Shape -> Reshape: the target shape is read when the module runs, so any batch size works.
        var model = new OnnxModelWriter(13).Input("x", null, 6).Output("y")
            .Node("Flatten", ["x"], ["f"], "", IntAttribute("axis", 0))
            .Node("Shape", ["x"], ["s"])
            .Node("Reshape", ["f", "s"], ["y"])
            .ToBytes();
        using var module = OnnxModel.Load(new MemoryStream(model));

        foreach (var batch in new long[] { 1, 4 })
        {
            using var x = torch.arange(batch * 6, dtype: ScalarType.Float32).reshape(batch, 6);
            using var y = module.call(x);
            y.shape.Should().Equal(batch, 6L);
            using var same = y.eq(x).all();
            same.item<bool>().Should().BeTrue();
        }
    }

    [Test]
    public void Call_ReshapeToAFloatShape_ThrowsInvalidOperationNamingTheNode()
    {
        var model = new OnnxModelWriter(13).Input("x", 1, 2).Output("y")
            .Node("Reshape", ["x", "x"], ["y"], "dynamic_reshape")
            .ToBytes();
        using var module = OnnxModel.Load(new MemoryStream(model));
        using var x = torch.ones(1, 2);

        var act = () => module.call(x);

        act.Should().Throw<InvalidOperationException>().Where(e => e.Message.Contains("dynamic_reshape") && e.Message.Contains("integer"));
    }

    [Test]
    public void Load_ValueWithoutProducer_ThrowsInvalidData()
    {
        var model = new OnnxModelWriter(13).Input("x", 1, 2).Output("y")
            .Node("Add", ["x", "missing"], ["y"])
            .ToBytes();

        var act = () => OnnxModel.Load(new MemoryStream(model), sourceName: "dangling.onnx");

        act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains("'missing'") && e.Message.Contains("dangling.onnx"));
    }

    [Test]
    public void Load_TruncatedFile_ThrowsInvalidDataNamingFile()
    {
        var model = ValidModel();
        var path = Path.Combine(_directory, "truncated.onnx");
        File.WriteAllBytes(path, model[..(model.Length / 2)]);

        var act = () => OnnxModel.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*truncated.onnx*");
    }

    [Test]
    public void Load_RandomBytes_ThrowsInvalidDataNamingFile()
    {
        var path = Path.Combine(_directory, "noise.onnx");
        var bytes = new byte[512];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        var act = () => OnnxModel.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*noise.onnx*");
    }

    [Test]
    public void Load_EveryTruncationOfAValidModel_ThrowsOnlyDocumentedExceptions()
    {
        var model = ValidModel();
        for (var length = 1; length < model.Length; length++)
        {
            try
            {
                using var module = OnnxModel.Load(new MemoryStream(model[..length]));
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException)
            {
                // Expected: a clear, documented exception.
            }
        }
    }

    [Test]
    public void Load_RandomlyCorruptedModels_ThrowOnlyDocumentedExceptions()
    {
        var model = ValidModel();
        var random = new Random(1234);
        for (var trial = 0; trial < 300; trial++)
        {
            var corrupted = (byte[])model.Clone();
            for (var flips = 0; flips < 3; flips++)
            {
                corrupted[random.Next(corrupted.Length)] = (byte)random.Next(256);
            }

            try
            {
                using var module = OnnxModel.Load(new MemoryStream(corrupted));
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException)
            {
                // Expected: a clear, documented exception.
            }
        }
    }

    [Test]
    public void Load_EmptyFile_ThrowsInvalidData()
    {
        var path = Path.Combine(_directory, "empty.onnx");
        File.WriteAllBytes(path, []);

        var act = () => OnnxModel.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*empty.onnx*");
    }

    [Test]
    public void Load_MissingFile_ThrowsFileNotFound()
    {
        var act = () => OnnxModel.Load(Path.Combine(_directory, "absent.onnx"));

        act.Should().Throw<FileNotFoundException>();
    }

    [Test]
    public void Load_EmptyPath_ThrowsArgumentException()
    {
        var act = () => OnnxModel.Load("");

        act.Should().Throw<ArgumentException>().WithParameterName("path");
    }

    [Test]
    public void Load_NullStream_ThrowsArgumentNull()
    {
        var act = () => OnnxModel.Load((Stream)null!);

        act.Should().Throw<ArgumentNullException>().WithParameterName("stream");
    }

    [Test]
    public void Load_UnknownOutputName_ThrowsArgumentException()
    {
        var act = () => OnnxModel.Load(new MemoryStream(ValidModel()), new OnnxImportOptions { OutputName = "nope" });

        act.Should().Throw<ArgumentException>().Where(e => e.Message.Contains("'nope'"));
    }

    [Test]
    public void Load_TwoOutputsWithoutOutputName_ThrowsNotSupportedAskingForOutputName()
    {
        var model = new OnnxModelWriter(13).Input("x", 1, 2).Output("a").Output("b")
            .Node("Relu", ["x"], ["a"]).Node("Sigmoid", ["x"], ["b"]).ToBytes();

        var act = () => OnnxModel.Load(new MemoryStream(model));

        act.Should().Throw<NotSupportedException>().WithMessage($"*{nameof(OnnxImportOptions.OutputName)}*");
    }

    [Test]
    public void Load_TwoInputsWithInputName_FeedsTheChosenInput()
    {
        var model = TwoInputModel();

        using var module = OnnxModel.Load(new MemoryStream(model), new OnnxImportOptions { InputName = "b", OutputName = "yb" });
        using var x = TorchSharp.torch.tensor(new float[] { -1, 2 }, [1, 2]);
        using var y = module.call(x);

        module.InputName.Should().Be("b");
        y.data<float>().ToArray().Should().Equal(-2f, 4f);
    }

    [Test]
    public void Load_OutputNeedsAnInputThatIsNotFed_ThrowsNotSupportedNamingIt()
    {
        var act = () => OnnxModel.Load(new MemoryStream(TwoInputModel()), new OnnxImportOptions { InputName = "a", OutputName = "yb" });

        act.Should().Throw<NotSupportedException>().Where(e => e.Message.Contains("'b'") && e.Message.Contains("'a'"));
    }

    [Test]
    public void Load_TwoInputsWithoutInputName_ThrowsNotSupportedAskingForInputName()
    {
        var act = () => OnnxModel.Load(new MemoryStream(TwoInputModel()), new OnnxImportOptions { OutputName = "ya" });

        act.Should().Throw<NotSupportedException>().WithMessage($"*{nameof(OnnxImportOptions.InputName)}*");
    }

    [Test]
    public void SupportedOperators_ListsTheDocumentedOperators()
    {
        OnnxModel.SupportedOperators.Should().BeEquivalentTo(
            "Abs", "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "ConstantOfShape",
            "Conv", "Div", "Dropout", "Einsum", "Equal", "Erf", "Exp", "Expand", "Flatten", "Gather", "Gelu", "Gemm",
            "GlobalAveragePool", "GlobalMaxPool", "Greater", "GroupNormalization", "HardSigmoid", "HardSwish", "Identity",
            "InstanceNormalization", "LayerNormalization", "LeakyRelu", "Less", "Log", "LogSoftmax", "MatMul", "Max",
            "MaxPool", "Min", "Mod", "Mul", "Neg", "Not", "Pad", "Pow", "PRelu", "Range", "Reciprocal", "ReduceL2",
            "ReduceMax", "ReduceMean", "ReduceMin", "ReduceSum", "Relu", "Reshape", "Resize", "ScatterND", "Shape",
            "Sigmoid", "Size", "Slice", "Softmax", "Softplus", "Split", "Sqrt", "Squeeze", "Sub", "Tanh", "Tile",
            "Transpose", "Unsqueeze", "Where");
    }

    [Test]
    public void Options_WhiteSpaceOutputName_ThrowsArgumentException()
    {
        var act = () => new OnnxImportOptions { OutputName = " " };

        act.Should().Throw<ArgumentException>().WithParameterName(nameof(OnnxImportOptions.OutputName));
    }

    [Test]
    public void Load_ValidFile_ExposesInputOutputAndShape()
    {
        var path = Path.Combine(_directory, "valid.onnx");
        File.WriteAllBytes(path, ValidModel());

        using var module = OnnxModel.Load(path);

        module.InputName.Should().Be("x");
        module.OutputName.Should().Be("y");
        module.InputShape.Should().Equal(1L, 2L, 3L, 3L);
        module.OpsetVersion.Should().Be(11);
        module.NodeCount.Should().Be(2);
        module.parameters().Should().BeEmpty("constants are buffers, never trainable parameters");
        module.buffers().Should().HaveCount(2).And.OnlyContain(b => !b.requires_grad);
    }

    private static byte[] TwoInputModel() => new OnnxModelWriter(13).Input("a", 1, 2).Input("b", 1, 2).Output("ya").Output("yb")
        .Initializer("two", [2f], 1)
        .Node("Relu", ["a"], ["ya"])
        .Node("Mul", ["b", "two"], ["yb"])
        .ToBytes();

    private static byte[] ValidModel() => new OnnxModelWriter(11).Input("x", 1, 2, 3, 3).Output("y")
        .Initializer("w", OnnxOperatorsTests.Random(1, 4, 2, 3, 3), [4, 2, 3, 3])
        .Initializer("b", OnnxOperatorsTests.Random(2, 4), [4])
        .Node("Conv", ["x", "w", "b"], ["c"], "conv", IntsAttribute("pads", 1, 1, 1, 1))
        .Node("Relu", ["c"], ["y"])
        .ToBytes();
}
