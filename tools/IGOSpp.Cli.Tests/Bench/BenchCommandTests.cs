using FluentAssertions;
using static IGOSpp.Cli.Tests.CliRunner;

namespace IGOSpp.Cli.Tests.Bench;

/// <summary>igospp bench runs the IGOSpp.Benchmarks model runner (its tests are in IGOSpp.Benchmarks.Tests); these
/// check the command's wiring: the dry job writes the reports, wrong input gives the documented exit codes.</summary>
[TestFixture]
[NonParallelizable]
public sealed class BenchCommandTests
{
    [Test]
    public void Bench_DryJobOnTinyOnnx_WritesTheReportsAndTheBatchSizeRecommendation()
    {
        var output = ImageFolder("bench");

        var result = Run("bench", TinyOnnx, "--input", "3x16x16", "--mask", "4", "--steps", "2", "--iterations", "1", "--job", "dry", "--out", output);

        result.ExitCode.Should().Be(0, result.ToString());
        File.ReadAllText(Path.Combine(output, "batch-size-recommendation.txt")).Should().Contain("recommended MaxBatchSize");
        Directory.EnumerateFiles(Path.Combine(output, "results"), "*-report.csv").Should().ContainSingle();
    }

    [Test]
    public void Bench_InputTheModelRejects_ExitsWithMismatch()
    {
        var output = ImageFolder("bench-mismatch");

        var result = Run("bench", TinyOnnx, "--input", "1x16x16", "--job", "dry", "--out", output);

        result.ExitCode.Should().Be(4, result.ToString());
    }

    [Test]
    public void Bench_MissingModel_ExitsWithModelError()
    {
        var folder = ImageFolder("bench-missing");

        var result = Run("bench", Path.Combine(folder, "none.onnx"), "--input", "3x16x16", "--job", "dry");

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stderr.Should().Contain("does not exist");
    }

    [Test]
    public void Bench_StateDictWithoutArch_ExitsWithModelErrorAskingForArch()
    {
        var result = Run("bench", TinyStateDict, "--input", "3x8x8", "--job", "dry");

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stderr.Should().Contain("--arch NAME");
    }

    [Test]
    public void Bench_StateDictOfAnotherNetwork_ExitsWithModelErrorNamingTheKeys()
    {
        var result = Run("bench", TinySafetensors, "--arch", "vgg11", "--input", "3x32x32", "--job", "dry");

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stderr.Should().Contain("missing keys (in the module, not in the file): classifier.0.bias");
    }

    [Test]
    public void Bench_ArchWithOnnx_IsAUsageError()
    {
        var result = Run("bench", TinyOnnx, "--arch", "resnet18", "--input", "3x16x16", "--job", "dry");

        result.ExitCode.Should().Be(2, result.ToString());
    }
}
