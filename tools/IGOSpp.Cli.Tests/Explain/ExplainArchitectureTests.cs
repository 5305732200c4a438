using System.Security.Cryptography;
using System.Text.Json;
using FluentAssertions;
using IGOSpp.Imaging;
using IGOSpp.Models;
using TorchSharp;
using static IGOSpp.Cli.Tests.CliRunner;

namespace IGOSpp.Cli.Tests.Explain;

/// <summary>MODEL as a state dict plus --arch: TorchVision's resnet18 at base width 4 (a torch.save file written by
/// TorchVision's own classes), and the errors of state dicts that do not fit.</summary>
[TestFixture]
public sealed class ExplainArchitectureTests
{
    private static readonly string[] Fast = ["--preset", "none", "--size", "32", "--mask-size", "4", "--iterations", "1", "--threads", "1"];

    [Test]
    public void Explain_StateDictWithArch_WritesTheOutputsAndTheProbabilityOfTheModelRunDirectly()
    {
        NarrowArchitectures();
        var images = ImageFolder("arch", "4-coat.png");
        var output = Path.Combine(images, "out");

        var result = Run([.. new[] { "explain", NarrowResNet18, images, "--arch", "resnet18", "--out", output }, .. Fast]);

        result.ExitCode.Should().Be(0, result.ToString());
        result.Stdout.Should().Contain("state dict (resnet18), 10 classes");
        foreach (var suffix in new[] { "-panel.png", "-curves.png", "-saliency.npy", "-saliency-full.npy" })
            new FileInfo(Path.Combine(output, "images", "4-coat" + suffix)).Length.Should().BeGreaterThan(0, suffix);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        var run = json.RootElement.GetProperty("run");
        run.GetProperty("modelFormat").GetString().Should().Be("state dict (resnet18)");
        run.GetProperty("modelSha256").GetString().Should().Be(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(NarrowResNet18))), "the checksum covers the weights file");
        run.GetProperty("classes").GetInt64().Should().Be(10, "the classes are read from fc.weight");
        var coat = json.RootElement.GetProperty("images")[0];

        using var scope = torch.NewDisposeScope();
        using var model = KnownArchitectures.Load("resnet18", NarrowResNet18, numClasses: null, width: 4);
        using var inference = torch.inference_mode();
        var image = ImageIO.Load(Path.Combine(images, "4-coat.png"), new ImageLoadOptions { Channels = 3, Resize = (32, 32) });
        var probabilities = torch.softmax(model.call(image.unsqueeze(0)), 1)[0].data<float>().ToArray();
        var top = Array.IndexOf(probabilities, probabilities.Max());
        coat.GetProperty("classId").GetInt64().Should().Be(top);
        coat.GetProperty("probability").GetDouble().Should().BeApproximately(probabilities[top], 1e-5);
    }

    [Test]
    public void Explain_StateDictWithArchAndMatchingClasses_Succeeds()
    {
        NarrowArchitectures();
        var images = ImageFolder("arch-classes", "8-bag.png");

        var result = Run([.. new[] { "explain", NarrowResNet18, images, "--arch", "ResNet18", "--classes", "10", "--method", "gradcam", "--out", Path.Combine(images, "out") }, .. Fast.Take(4), "--threads", "1"]);

        result.ExitCode.Should().Be(0, result.ToString());
    }

    [Test]
    public void Evaluate_StateDictWithArch_WritesTheTable()
    {
        NarrowArchitectures();
        var images = ImageFolder("arch-evaluate", "1-trouser.png");
        var output = Path.Combine(images, "..", Path.GetFileName(images) + "-out");

        var result = Run("evaluate", NarrowResNet18, images, "--arch", "resnet18", "--methods", "ig", "--out", output, "--preset", "none", "--size", "32", "--threads", "1");

        result.ExitCode.Should().Be(0, result.ToString());
        File.ReadAllText(Path.Combine(output, "results.md")).Should().Contain("state dict (resnet18)").And.Contain("| Integrated Gradients |");
    }

    [TestCase("tiny_net.pt", "a PyTorch state dict (torch.save)")]
    [TestCase("tiny_net.safetensors", "a .safetensors state dict")]
    public void Explain_StateDictWithoutArch_ExitsWithModelErrorAskingForArch(string file, string kind)
    {
        var images = ImageFolder("no-arch", "0-t-shirt-top.png");

        var result = Run([.. new[] { "explain", Path.Combine(Fixtures, file), images, "--out", Path.Combine(images, "out") }, .. Fast]);

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stderr.Should().StartWith("error:").And.Contain(kind).And.Contain("--arch NAME").And.Contain("resnet18, resnet34");
    }

    [Test]
    public void Explain_UnknownArch_ExitsWithModelErrorListingTheKnownOnes()
    {
        var images = ImageFolder("unknown-arch", "0-t-shirt-top.png");

        var result = Run([.. new[] { "explain", NarrowResNet18, images, "--arch", "resnet19", "--out", Path.Combine(images, "out") }, .. Fast]);

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stderr.Should().Contain("--arch 'resnet19' is not a known architecture").And.Contain("wide_resnet50_2");
    }

    [Test]
    public void Explain_StateDictOfAnotherNetwork_ExitsWithModelErrorNamingTheKeys()
    {
        var images = ImageFolder("wrong-arch", "0-t-shirt-top.png");

        var result = Run([.. new[] { "explain", TinySafetensors, images, "--arch", "resnet18", "--out", Path.Combine(images, "out") }, .. Fast]);

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stderr.Should().Contain("cannot be loaded into --arch resnet18")
            .And.Contain("conv1.weight: file [4,3,3,3], module [64,3,7,7]")
            .And.MatchRegex(@"missing keys \(in the module, not in the file\): layer1\.0\.bn1\.bias, .*\(\d+ in all\)")
            .And.Contain("unexpected keys (in the file, not in the module): conv1.bias");
        Directory.Exists(Path.Combine(images, "out")).Should().BeFalse("nothing is written for a model that does not load");
    }

    [Test]
    public void Explain_ClassesThatDoNotFitTheFile_ExitsWithModelErrorNamingTheClassifier()
    {
        NarrowArchitectures();
        var images = ImageFolder("wrong-classes", "0-t-shirt-top.png");

        var result = Run([.. new[] { "explain", NarrowResNet18, images, "--arch", "resnet18", "--classes", "5", "--out", Path.Combine(images, "out") }, .. Fast]);

        result.ExitCode.Should().Be(3, result.ToString());
        result.Stderr.Should().Contain("fc.weight: file [10,32], module [5,32]");
    }

    [Test]
    public void Explain_ArchWithTorchScriptOrOnnx_IsAUsageError()
    {
        var images = ImageFolder("arch-usage", "0-t-shirt-top.png");

        var script = Run([.. new[] { "explain", TinyTorchScript, images, "--arch", "resnet18" }, .. Fast]);
        var onnx = Run([.. new[] { "explain", TinyOnnx, images, "--arch", "resnet18" }, .. Fast]);
        var classes = Run([.. new[] { "explain", TinyOnnx, images, "--classes", "10" }, .. Fast]);
        var one = Run([.. new[] { "explain", NarrowResNet18, images, "--arch", "resnet18", "--classes", "1" }, .. Fast]);

        script.ExitCode.Should().Be(2, script.ToString());
        script.Stderr.Should().Contain("TorchScript archive, which carries its architecture");
        onnx.ExitCode.Should().Be(2, onnx.ToString());
        onnx.Stderr.Should().Contain("not a state dict");
        classes.ExitCode.Should().Be(2, classes.ToString());
        classes.Stderr.Should().Contain("--classes applies to state dict files");
        one.ExitCode.Should().Be(2, one.ToString());
        one.Stderr.Should().Contain("--classes must be at least 2");
    }

    [Test]
    public void Explain_TorchScriptArchive_StillLoadsAsTorchScript()
    {
        var images = ImageFolder("torchscript-kind", "2-pullover.png");
        var output = Path.Combine(images, "out");

        var result = Run("explain", TinyTorchScript, images, "--preset", "none", "--size", "8", "--mask-size", "4", "--iterations", "1", "--threads", "1", "--out", output);

        result.ExitCode.Should().Be(0, result.ToString());
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        json.RootElement.GetProperty("run").GetProperty("modelFormat").GetString().Should().Be("torchscript");
    }
}
