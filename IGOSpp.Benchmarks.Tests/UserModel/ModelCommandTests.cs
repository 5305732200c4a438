using FluentAssertions;
using IGOSpp.Benchmarks.Infrastructure;
using IGOSpp.Benchmarks.UserModel;
using NUnit.Framework;

namespace IGOSpp.Benchmarks.Tests.UserModel;

/// <summary>The whole command on the committed tiny ONNX fixture, with BenchmarkDotNet's dry job (one invocation each).</summary>
[TestFixture]
[NonParallelizable]
public sealed class ModelCommandTests
{
    private static string Fixture => ModelFixtures.CommittedPath(ModelFixtures.TinyCnnFile);

    [Test]
    public void Run_DryOnTinyOnnx_WritesReportsWithTheExplanationsPassCounts()
    {
        var output = Path.GetDirectoryName(ModelFixtures.WriteTemp([], "placeholder"))!;

        var exit = ModelCommand.Run(["--onnx", Fixture, "--input", "3x16x16", "--mask", "4", "--steps", "2", "--iterations", "2", "--batch", "4", "--dry", "--out", output]);

        exit.Should().Be(0);
        var results = Path.Combine(output, "results");
        var csv = Directory.GetFiles(results, "*UserModelBenchmarks-report.csv").Should().ContainSingle().Subject;
        Directory.GetFiles(results, "*UserModelBenchmarks-report-github.md").Should().ContainSingle();
        Directory.GetFiles(results, "*UserModelBenchmarks-report.html").Should().ContainSingle();
        File.ReadAllText(Path.Combine(output, "batch-size-recommendation.txt")).Should().Contain("recommended MaxBatchSize = ");

        // The same explanation made directly through a recorder gives the counts the report must show.
        var (forward, backward) = ExpectedExplainImages();
        var rows = File.ReadAllLines(csv).Select(l => l.Split(',')).ToList();
        var header = rows[0];
        var explain = rows.Single(r => r[Array.IndexOf(header, "Method")] == "Explain");
        explain[Array.IndexOf(header, "Model")].Should().Be(ModelFixtures.TinyCnnFile);
        explain[Array.IndexOf(header, "Fwd images/op")].Should().Be(forward.ToString(System.Globalization.CultureInfo.InvariantCulture));
        explain[Array.IndexOf(header, "Fwd+bwd images/op")].Should().Be(backward.ToString(System.Globalization.CultureInfo.InvariantCulture));
        explain[Array.IndexOf(header, "Overhead")].Should().NotBe("-");
        var replay = rows.Single(r => r[Array.IndexOf(header, "Method")] == "'model passes alone (same as Explain)'");
        replay[Array.IndexOf(header, "Fwd+bwd images/op")].Should().Be(backward.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestCase("3x16", 2)]
    [TestCase("1x16x16", 2)]
    public void Run_BadInput_ReturnsTwoWithAMessage(string input, int expected)
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            ModelCommand.Run(["--onnx", Fixture, "--input", input, "--dry"]).Should().Be(expected);
        }
        finally
        {
            Console.SetError(previous);
        }

        error.ToString().Should().StartWith("model: ").And.Contain(input);
    }

    [Test]
    public void Run_MissingModelFile_ReturnsTwoNamingTheFile()
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            ModelCommand.Run(["--torchscript", "/nonexistent/model.pt", "--input", "3x16x16"]).Should().Be(2);
        }
        finally
        {
            Console.SetError(previous);
        }

        error.ToString().Should().Contain("Model file '/nonexistent/model.pt' does not exist.");
    }

    private static (long Forward, long Backward) ExpectedExplainImages()
    {
        using var model = UserModelLoader.Load(ModelFormat.Onnx, Fixture);
        var check = UserModelLoader.Check(model, [3, 16, 16], "cpu");
        using var recorder = new PassRecorder(model);
        using var batch = UserModelLoader.Image([3, 16, 16], "cpu");
        using var image = batch[0];
        var options = new IgosPlusPlusOptions { MaskSize = 4, IntegrationSteps = 2, Iterations = 2, MaxBatchSize = 4, Seed = 1 };
        using var explainer = new IgosPlusPlusExplainer(recorder, options);
        explainer.Explain(image, check.PredictedClass).Dispose();
        recorder.BackwardImages.Should().BeGreaterThan(0);
        return (recorder.ForwardImages, recorder.BackwardImages);
    }
}
