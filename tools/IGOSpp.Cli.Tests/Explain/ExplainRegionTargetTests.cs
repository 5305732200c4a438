using System.Text.Json;
using FluentAssertions;
using IGOSpp.Imaging;
using IGOSpp.Onnx;
using IGOSpp.Targets;
using TorchSharp;
using static IGOSpp.Cli.Tests.CliRunner;

namespace IGOSpp.Cli.Tests.Explain;

/// <summary>--region on the segmentation network and --box on the detector of IGOSpp.Onnx.Tests/Fixtures/Targets
/// (64×64 input; docs/targets.md), and the errors of regions and boxes that do not fit.</summary>
[TestFixture]
public sealed class ExplainRegionTargetTests
{
    private static readonly string[] Fast = ["--preset", "none", "--size", "64", "--channels", "3", "--mask-size", "8", "--iterations", "1", "--threads", "1"];

    private static string Segmentation => Path.Combine(Fixtures, "segmentation.onnx");

    private static string Detector => Path.Combine(Fixtures, "detector.onnx");

    private static (JsonElement Run, JsonElement Image) Results(string output)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        return (json.RootElement.GetProperty("run").Clone(), json.RootElement.GetProperty("images")[0].Clone());
    }

    private static float DirectScore(string model, string image, Func<ExplanationTarget> target)
    {
        using var scope = torch.NewDisposeScope();
        using var onnx = OnnxModel.Load(model);
        using var inference = torch.inference_mode();
        var input = ImageIO.Load(image, new ImageLoadOptions { Channels = 3, Resize = (64, 64) });
        return target().Score(onnx.call(input.unsqueeze(0)))[0].item<float>();
    }

    [Test]
    public void Explain_RegionOnSegmentation_WritesTheMapAndTheRegionsMeanProbability()
    {
        var images = ImageFolder("region", "4-coat.png");
        var output = Path.Combine(images, "out");

        var result = Run([.. new[] { "explain", Segmentation, images, "--region", "16,8,24,32", "--class", "2", "--out", output }, .. Fast]);

        result.ExitCode.Should().Be(0, result.ToString());
        var (run, coat) = Results(output);
        run.GetProperty("target").GetString().Should().Be("mean p(class 2) over 768 px");
        run.GetProperty("classes").GetInt64().Should().Be(3);
        coat.GetProperty("classId").GetInt64().Should().Be(2);
        File.Exists(Path.Combine(output, "images", "4-coat-saliency-full.npy")).Should().BeTrue();
        var region = torch.zeros([64, 64], torch.ScalarType.Bool);
        region[8..40, 16..40] = torch.tensor(true);
        var expected = DirectScore(Segmentation, Path.Combine(images, "4-coat.png"), () => new SegmentationRegionTarget(2, region));
        coat.GetProperty("probability").GetDouble().Should().BeApproximately(expected, 1e-5);
        coat.GetProperty("deletionAuc").GetDouble().Should().BeInRange(0, 1);
        region.Dispose();
    }

    [Test]
    public void Explain_BoxOnDetector_WritesTheMapAndTheDetectionsScore()
    {
        var images = ImageFolder("box", "8-bag.png");
        var output = Path.Combine(images, "out");

        var result = Run([.. new[] { "explain", Detector, images, "--box", "31,33,43,45", "--class", "0", "--layout", "yolov5", "--out", output }, .. Fast]);

        result.ExitCode.Should().Be(0, result.ToString());
        var (run, bag) = Results(output);
        run.GetProperty("target").GetString().Should().Be("box (31, 33, 43, 45) class 0, layout yolov5");
        run.GetProperty("classes").GetInt64().Should().Be(2, "[N,64,4+1+2]");
        var expected = DirectScore(Detector, Path.Combine(images, "8-bag.png"),
            () => new DetectionBoxTarget(31, 33, 43, 45, 0, DetectionLayout.BoxesFirstWithObjectness));
        bag.GetProperty("probability").GetDouble().Should().BeApproximately(expected, 1e-5);
    }

    [TestCase("--region", "40,40,32,8", "is not inside the 64x64 model input")]
    [TestCase("--region", "0,0,0,8", "at least 1 pixel")]
    [TestCase("--region", "1,2,3", "must be x,y,w,h")]
    [TestCase("--region", "-1,0,4,4", "must be x,y,w,h")]
    public void Explain_RegionOutsideOrDegenerate_IsAUsageError(string option, string value, string message)
    {
        var images = ImageFolder("bad-region", "0-t-shirt-top.png");

        var result = Run([.. new[] { "explain", Segmentation, images, option, value, "--class", "1", "--out", Path.Combine(images, "out") }, .. Fast]);

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Should().StartWith("error:").And.Contain(message);
    }

    [TestCase("31,33,70,45", "is not inside the 64x64 model input")]
    [TestCase("31,33,31,45", "x2 must be greater than x1")]
    [TestCase("-2,33,40,45", "must not be negative")]
    public void Explain_BoxOutsideOrDegenerate_IsAUsageError(string value, string message)
    {
        var images = ImageFolder("bad-box", "0-t-shirt-top.png");

        var result = Run([.. new[] { "explain", Detector, images, "--box", value, "--class", "0", "--layout", "yolov5", "--out", Path.Combine(images, "out") }, .. Fast]);

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Should().Contain(message);
    }

    [Test]
    public void Explain_RegionAndBoxOptionsThatDoNotGoTogether_AreUsageErrors()
    {
        var images = ImageFolder("region-usage", "0-t-shirt-top.png");
        CliResult Explain(params string[] args) => Run([.. new[] { "explain", Detector, images }, .. args, .. Fast]);

        Explain("--region", "0,0,8,8").Stderr.Should().Contain("--region needs --class K");
        Explain("--box", "1,1,9,9", "--class", "0").Stderr.Should().Contain("--box needs --layout");
        Explain("--layout", "yolov5").Stderr.Should().Contain("--layout applies to --box only");
        Explain("--box", "1,1,9,9", "--region", "0,0,8,8", "--class", "0", "--layout", "yolov5").Stderr.Should().Contain("exclude each other");
        Explain("--box", "1,1,9,9", "--class", "0", "--layout", "yolov5", "--target", "logit").Stderr.Should().Contain("--target does not apply to --box");
        Explain("--box", "1,1,9,9", "--class", "0", "--layout", "yolov5", "--target", "logit").ExitCode.Should().Be(2);
    }

    [Test]
    public void Explain_TargetThatDoesNotFitTheModel_ExitsWithMismatch()
    {
        var images = ImageFolder("region-mismatch", "0-t-shirt-top.png");

        var regionOnDetector = Run([.. new[] { "explain", Detector, images, "--region", "0,0,8,8", "--class", "0", "--out", Path.Combine(images, "a") }, .. Fast]);
        var boxWrongLayout = Run([.. new[] { "explain", Segmentation, images, "--box", "1,1,9,9", "--class", "0", "--layout", "yolov8", "--out", Path.Combine(images, "b") }, .. Fast]);
        var classOutside = Run([.. new[] { "explain", Segmentation, images, "--region", "0,0,8,8", "--class", "3", "--out", Path.Combine(images, "c") }, .. Fast]);

        regionOnDetector.ExitCode.Should().Be(4, regionOnDetector.ToString());
        regionOnDetector.Stderr.Should().Contain("--region needs a segmentation model with per-pixel scores [N,K,H,W]; for one image it returned [1,64,7]");
        boxWrongLayout.ExitCode.Should().Be(4, boxWrongLayout.ToString());
        boxWrongLayout.Stderr.Should().Contain("layout expects raw outputs [N, 4+K, boxes]");
        classOutside.ExitCode.Should().Be(4, classOutside.ToString());
        classOutside.Stderr.Should().Contain("--class 3 is outside the model's outputs: it has 3 classes");
    }
}
