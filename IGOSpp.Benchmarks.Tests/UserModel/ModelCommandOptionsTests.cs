using FluentAssertions;
using IGOSpp.Benchmarks.UserModel;
using NUnit.Framework;

namespace IGOSpp.Benchmarks.Tests.UserModel;

[TestFixture]
public sealed class ModelCommandOptionsTests
{
    [Test]
    public void Parse_EveryOption_ReadsEveryValue()
    {
        var options = ModelCommandOptions.Parse(
            ["--onnx", "m.onnx", "--input", "3x224x224", "--device", "cuda", "--mask", "14", "--steps", "10", "--iterations", "5",
             "--batch", "32", "--short", "--compare", "--out", "out/dir"]);

        options.Format.Should().Be(ModelFormat.Onnx);
        options.Path.Should().Be("m.onnx");
        options.Shape.Should().Equal(3L, 224L, 224L);
        options.Device.Should().Be("cuda");
        options.MaskSize.Should().Be(14);
        options.Steps.Should().Be(10);
        options.Iterations.Should().Be(5);
        options.MaxBatchSize.Should().Be(32);
        options.EffectiveBatchSize.Should().Be(32);
        options.Preset.Should().Be("short");
        options.Compare.Should().BeTrue();
        options.Output.Should().Be("out/dir");
    }

    [Test]
    public void Parse_OnlyRequired_UsesDocumentedDefaults()
    {
        var options = ModelCommandOptions.Parse(["--torchscript", "m.pt", "--input", "1x28x28"]);

        options.Format.Should().Be(ModelFormat.TorchScript);
        options.Path.Should().Be("m.pt");
        options.Shape.Should().Equal(1L, 28L, 28L);
        options.Device.Should().Be("cpu");
        options.MaskSize.Should().Be(28);
        options.Steps.Should().Be(20);
        options.Iterations.Should().Be(15);
        options.MaxBatchSize.Should().BeNull();
        options.EffectiveBatchSize.Should().Be(64, "the library default");
        options.Preset.Should().Be("standard");
        options.Compare.Should().BeFalse();
        options.Output.Should().Be("BenchmarkDotNet.Artifacts/model");
    }

    [Test]
    public void Parse_StateDictWithArch_ReadsTheArchitectureAndClasses()
    {
        var options = ModelCommandOptions.Parse(["--state-dict", "w.safetensors", "--arch", "resnet50", "--classes", "7", "--input", "3x64x64"]);

        options.Format.Should().Be(ModelFormat.StateDict);
        options.Path.Should().Be("w.safetensors");
        options.Architecture.Should().Be("resnet50");
        options.Classes.Should().Be(7);
    }

    [TestCase("--once", "once")]
    [TestCase("--dry", "dry")]
    public void Parse_PresetFlag_SelectsPreset(string flag, string preset) =>
        ModelCommandOptions.Parse(["--onnx", "m.onnx", "--input", "3x8x8", flag]).Preset.Should().Be(preset);

    [TestCase(new[] { "--input", "3x8x8" }, "exactly one model file")]
    [TestCase(new[] { "--onnx", "a.onnx", "--torchscript", "b.pt", "--input", "3x8x8" }, "exactly one model file")]
    [TestCase(new[] { "--onnx", "a.onnx" }, "--input CxHxW")]
    [TestCase(new[] { "--onnx", "a.onnx", "--input", "3x8x8", "--frobnicate" }, "Unknown option '--frobnicate'")]
    [TestCase(new[] { "--onnx", "a.onnx", "--input" }, "Option --input needs a value")]
    [TestCase(new[] { "--onnx", "--input", "3x8x8" }, "Option --onnx needs a value")]
    [TestCase(new[] { "--onnx", "a.onnx", "--input", "3x8x8", "--device", "gpu" }, "--device must be 'cpu' or 'cuda', not 'gpu'")]
    [TestCase(new[] { "--onnx", "a.onnx", "--input", "3x8x8", "--steps", "0" }, "--steps must be a positive integer, not '0'")]
    [TestCase(new[] { "--onnx", "a.onnx", "--input", "3x8x8", "--batch", "-4" }, "--batch must be a positive integer, not '-4'")]
    [TestCase(new[] { "--onnx", "a.onnx", "--input", "3x8x8", "--iterations", "two" }, "--iterations must be a positive integer, not 'two'")]
    [TestCase(new[] { "--onnx", "a.onnx", "--input", "3x8x8", "--mask", "1" }, "--mask must be at least 2")]
    [TestCase(new[] { "--onnx", "a.onnx", "--input", "3x8x8", "--mask", "4", "--mask", "8" }, "--mask is given twice")]
    [TestCase(new[] { "--onnx", "a.onnx", "--input", "3x8x8", "--short", "--once" }, "exclude each other")]
    [TestCase(new[] { "--state-dict", "w.pt", "--input", "3x8x8" }, "--state-dict needs --arch NAME")]
    [TestCase(new[] { "--onnx", "a.onnx", "--arch", "resnet18", "--input", "3x8x8" }, "--arch applies to --state-dict FILE only")]
    [TestCase(new[] { "--onnx", "a.onnx", "--classes", "3", "--input", "3x8x8" }, "--classes applies to --state-dict FILE only")]
    [TestCase(new[] { "--state-dict", "w.pt", "--arch", "resnet18", "--classes", "0", "--input", "3x8x8" }, "--classes must be a positive integer, not '0'")]
    [TestCase(new[] { "--onnx", "a.onnx", "--state-dict", "w.pt", "--arch", "resnet18", "--input", "3x8x8" }, "exactly one model file")]
    public void Parse_InvalidArguments_ThrowsNamingTheProblem(string[] args, string message)
    {
        var act = () => ModelCommandOptions.Parse(args);

        act.Should().Throw<ArgumentException>().Where(e => e.Message.Contains(message, StringComparison.Ordinal));
    }

    [TestCase("3x224x224", new long[] { 3, 224, 224 })]
    [TestCase("1X28X28", new long[] { 1, 28, 28 })]
    [TestCase("3,32, 48", new long[] { 3, 32, 48 })]
    public void ParseShape_ValidText_ReturnsDimensions(string text, long[] expected) =>
        ModelCommandOptions.ParseShape(text).Should().Equal(expected);

    [TestCase("")]
    [TestCase("3x")]
    [TestCase("ax224x224")]
    [TestCase("0x224x224")]
    [TestCase("-3x224x224")]
    [TestCase("3x224")]
    [TestCase("1x3x224x224")]
    [TestCase("3.0x224x224")]
    public void ParseShape_InvalidText_ThrowsWithExample(string text)
    {
        var act = () => ModelCommandOptions.ParseShape(text);

        act.Should().Throw<ArgumentException>().Where(e => e.Message.Contains("3x224x224") && e.Message.Contains($"'{text}'"));
    }

    [Test]
    public void FormatShape_Dimensions_JoinsWithX() => ModelCommandOptions.FormatShape([3, 224, 224]).Should().Be("3x224x224");
}
