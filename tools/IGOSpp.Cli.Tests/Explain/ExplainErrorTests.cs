using FluentAssertions;
using static IGOSpp.Cli.Tests.CliRunner;

namespace IGOSpp.Cli.Tests.Explain;

/// <summary>Bad input: a clear message on stderr, the documented exit code, and no result file that looks complete.</summary>
[TestFixture]
public sealed class ExplainErrorTests
{
    [Test]
    public void Explain_MissingModel_ExitsWithModelError()
    {
        var images = ImageFolder("missing-model", "4-coat.png");
        var output = Path.Combine(images, "out");

        var result = Run("explain", Path.Combine(images, "nope.onnx"), images, "--out", output);

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stderr.Should().Contain("nope.onnx").And.Contain("does not exist");
        Directory.Exists(output).Should().BeFalse("nothing is written before the model loads");
    }

    [Test]
    public void Explain_CorruptModel_ExitsWithModelError()
    {
        var images = ImageFolder("corrupt-model", "4-coat.png");
        var model = Path.Combine(images, "corrupt.onnx");
        var bytes = File.ReadAllBytes(TinyOnnx);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 3)]);

        var result = Run("explain", model, images, "--out", Path.Combine(images, "out"));

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stderr.Should().Contain("cannot be loaded as an ONNX model");
    }

    [Test]
    public void Explain_PresetThatDoesNotFitTheModel_ExitsWithMismatch()
    {
        var images = ImageFolder("preset", "4-coat.png");

        // Grey images into a model whose first convolution takes 3 channels.
        var result = Run("explain", TinyOnnx, images, "--out", Path.Combine(images, "out"), "--preset", "none", "--size", "16", "--channels", "1");

        result.ExitCode.Should().Be(4, result.ToString());
        result.Stderr.Should().Contain("1x16x16");
        File.Exists(Path.Combine(images, "out", "results.json")).Should().BeFalse();
    }

    [Test]
    public void Explain_ClassOutsideTheOutputs_ExitsWithMismatch()
    {
        var images = ImageFolder("class", "4-coat.png");

        var result = Run([.. new[] { "explain", TinyOnnx, images, "--out", Path.Combine(images, "out"), "--class", "5" }, .. FastTiny]);

        result.ExitCode.Should().Be(4, result.ToString());
        result.Stderr.Should().Contain("--class 5").And.Contain("5 classes");
    }

    [Test]
    public void Explain_LabelsWithTheWrongCount_ExitsWithMismatch()
    {
        var images = ImageFolder("labels", "4-coat.png");
        var labels = Path.Combine(images, "labels.txt");
        File.WriteAllLines(labels, ["a", "b", "c"]);

        var result = Run([.. new[] { "explain", TinyOnnx, images, "--out", Path.Combine(images, "out"), "--labels", labels }, .. FastTiny]);

        result.ExitCode.Should().Be(4, result.ToString());
        result.Stderr.Should().Contain("3 names but the model has 5 classes");
    }

    [Test]
    public void Explain_OutputFolderThatCannotBeCreated_ExitsWithOutputError()
    {
        var images = ImageFolder("unwritable", "4-coat.png");
        var blocker = Path.Combine(images, "a-file");
        File.WriteAllText(blocker, "not a folder");

        var result = Run([.. new[] { "explain", TinyOnnx, images, "--out", Path.Combine(blocker, "out") }, .. FastTiny]);

        result.ExitCode.Should().Be(6, result.ToString());
        result.Stderr.Should().Contain("cannot be written");
    }

    [TestCase("--method", "nope")]
    [TestCase("--shard", "4/4")]
    [TestCase("--size", "0")]
    [TestCase("--mean", "0.1,0.2")]
    public void Explain_BadOptionValue_ExitsWithUsage(string option, string value)
    {
        var images = ImageFolder("usage", "4-coat.png");

        var result = Run("explain", TinyOnnx, images, "--out", Path.Combine(images, "out"), option, value);

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Should().Contain("error:");
    }

    [Test]
    public void Explain_NoImageInTheFolder_ExitsWithMismatch()
    {
        var empty = ImageFolder("empty");

        var result = Run([.. new[] { "explain", TinyOnnx, empty, "--out", Path.Combine(empty, "out") }, .. FastTiny]);

        result.ExitCode.Should().Be(4, result.ToString());
        result.Stderr.Should().Contain("No image found");
    }

    [Test]
    public void Explain_OtherSettingsInTheOutputFolder_RefusesToMix()
    {
        var images = ImageFolder("mix", "4-coat.png");
        var output = Path.Combine(images, "out");
        Run([.. new[] { "explain", TinyOnnx, images, "--out", output }, .. FastTiny]).ExitCode.Should().Be(0);

        var result = Run([.. new[] { "explain", TinyOnnx, images, "--out", output, "--seed", "2" }, .. FastTiny]);

        result.ExitCode.Should().Be(4, result.ToString());
        result.Stderr.Should().Contain("holds results of other settings");
    }

    [Test]
    public void Help_ListsEveryExplainOption()
    {
        var result = Run("explain", "--help");

        result.ExitCode.Should().Be(0);
        foreach (var option in new[] { "--method", "--class", "--top", "--preset", "--size", "--mean", "--std", "--labels", "--mask-size", "--iterations", "--out", "--shard" })
            result.Stdout.Should().Contain(option);
    }
}
