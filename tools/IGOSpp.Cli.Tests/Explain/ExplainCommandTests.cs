using System.Globalization;
using System.Text.Json;
using FluentAssertions;
using IGOSpp.Cli.Output;
using IGOSpp.Imaging;
using IGOSpp.Onnx;
using TorchSharp;
using static IGOSpp.Cli.Tests.CliRunner;

namespace IGOSpp.Cli.Tests.Explain;

[TestFixture]
public sealed class ExplainCommandTests
{
    [Test]
    public void Explain_SampleImagesWithTinyOnnx_WritesEveryFileWithConsistentResults()
    {
        var images = ImageFolder("files", "0-t-shirt-top.png", "4-coat.png", "8-bag.png");
        var output = Path.Combine(images, "out");

        var result = Run([.. new[] { "explain", TinyOnnx, images, "--out", output }, .. FastTiny]);

        result.ExitCode.Should().Be(0, result.ToString());
        string[] ids = ["0-t-shirt-top", "4-coat", "8-bag"];
        foreach (var id in ids)
        {
            foreach (var suffix in new[] { "-panel.png", "-curves.png", "-saliency.npy", "-saliency-full.npy" })
                new FileInfo(Path.Combine(output, "images", id + suffix)).Length.Should().BeGreaterThan(0, id + suffix);
        }

        foreach (var file in new[] { "index.html", "results.csv", "results.json", "results.jsonl", "run.json" })
            File.Exists(Path.Combine(output, file)).Should().BeTrue(file);
        Directory.EnumerateFiles(output, ".tmp-*", SearchOption.AllDirectories).Should().BeEmpty("temporary files are renamed or removed");

        // results.json and results.csv say the same thing about each image.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        json.RootElement.GetProperty("run").GetProperty("modelSha256").GetString().Should().MatchRegex("^[0-9a-f]{64}$");
        var entries = json.RootElement.GetProperty("images").EnumerateArray().ToList();
        entries.Select(e => e.GetProperty("id").GetString()).Should().BeEquivalentTo(ids);
        var csv = File.ReadAllLines(Path.Combine(output, "results.csv"));
        csv.Should().HaveCount(4);
        var header = csv[0].Split(',');
        header.Should().Equal(ResultsStore.CsvColumns);
        foreach (var line in csv.Skip(1))
        {
            var cells = line.Split(',');
            var entry = entries.Single(e => e.GetProperty("id").GetString() == cells[0]);
            cells[Array.IndexOf(header, "status")].Should().Be("ok");
            double Cell(string name) => double.Parse(cells[Array.IndexOf(header, name)], CultureInfo.InvariantCulture);
            Cell("probability").Should().Be(entry.GetProperty("probability").GetDouble());
            Cell("deletion_auc").Should().Be(entry.GetProperty("deletionAuc").GetDouble()).And.BeInRange(0, 1);
            Cell("insertion_auc").Should().Be(entry.GetProperty("insertionAuc").GetDouble()).And.BeInRange(0, 1);
            Cell("model_images").Should().BeGreaterThan(0);
            entry.GetProperty("deletionCurve").GetArrayLength().Should().BeGreaterThan(2);
        }

        // The probability matches the model run independently on the same preprocessing (resize to 16x16, RGB, no normalization).
        using (var scope = torch.NewDisposeScope())
        using (var model = OnnxModel.Load(TinyOnnx))
        using (torch.inference_mode())
        {
            var image = ImageIO.Load(Path.Combine(images, "4-coat.png"), new ImageLoadOptions { Channels = 3, Resize = (16, 16) });
            var probabilities = torch.softmax(model.call(image.unsqueeze(0)), 1)[0].data<float>().ToArray();
            var coat = entries.Single(e => e.GetProperty("id").GetString() == "4-coat");
            var top = Array.IndexOf(probabilities, probabilities.Max());
            coat.GetProperty("classId").GetInt64().Should().Be(top);
            coat.GetProperty("probability").GetDouble().Should().BeApproximately(probabilities[top], 1e-5);
        }

        // The maps: [8,8] at the mask's resolution and [16,16] at the input's, finite, and the panel is a real PNG.
        var (values, shape) = Npy.ReadFloat32(File.ReadAllBytes(Path.Combine(output, "images", "4-coat-saliency.npy")));
        shape.Should().Equal(8, 8);
        values.Should().OnlyContain(v => float.IsFinite(v));
        Npy.ReadFloat32(File.ReadAllBytes(Path.Combine(output, "images", "4-coat-saliency-full.npy"))).Shape.Should().Equal(16, 16);
        using var panel = ImageIO.Load(Path.Combine(output, "images", "4-coat-panel.png"));
        panel.shape[2].Should().BeGreaterThan(panel.shape[1], "the panel puts its tiles side by side");
    }

    [Test]
    public void Explain_Rerun_SkipsFinishedImagesAndExplainsOnlyNewOnes()
    {
        var images = ImageFolder("resume", "1-trouser.png", "2-pullover.png");
        var output = Path.Combine(images, "out");
        string[] args = [.. new[] { "explain", TinyOnnx, images, "--out", output }, .. FastTiny];
        Run(args).ExitCode.Should().Be(0);
        var first = File.ReadAllLines(Path.Combine(output, "results.jsonl"));

        File.Copy(SampleImage("3-dress.png"), Path.Combine(images, "3-dress.png"));
        var second = Run(args);

        second.ExitCode.Should().Be(0, second.ToString());
        second.Stdout.Should().Contain("2 already done (resumed)").And.Contain("3-dress").And.NotContain("[1/3]");
        var journal = File.ReadAllLines(Path.Combine(output, "results.jsonl"));
        journal.Should().HaveCount(3);
        journal.Take(2).Should().Equal(first, "finished images are not explained again");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        json.RootElement.GetProperty("images").GetArrayLength().Should().Be(3);
    }

    [Test]
    public void Explain_CancelledDuringSecondImage_KeepsFirstAndResumes()
    {
        var images = ImageFolder("cancel", "5-sandal.png", "6-shirt.png", "7-sneaker.png");
        var output = Path.Combine(images, "out");
        string[] args = [.. new[] { "explain", TinyOnnx, images, "--out", output }, .. FastTiny];
        using var cancellation = new CancellationTokenSource();

        // The second image's start line cancels the run: its explanation stops at its first cancellation check.
        var cancelled = Run(args, line => { if (line.StartsWith("[2/3]", StringComparison.Ordinal)) cancellation.Cancel(); }, cancellation.Token);

        cancelled.ExitCode.Should().Be(130, cancelled.ToString());
        cancelled.Stderr.Should().Contain("Cancelled").And.Contain("resume");
        File.ReadAllLines(Path.Combine(output, "results.jsonl")).Should().ContainSingle().Which.Should().Contain("5-sandal");
        File.Exists(Path.Combine(output, "images", "6-shirt-panel.png")).Should().BeFalse();
        Directory.EnumerateFiles(output, ".tmp-*", SearchOption.AllDirectories).Should().BeEmpty();
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json"))))
            json.RootElement.GetProperty("images").GetArrayLength().Should().Be(1, "results.json is complete for what is finished");

        var resumed = Run(args);

        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Stdout.Should().Contain("1 already done (resumed)");
        File.ReadAllLines(Path.Combine(output, "results.jsonl")).Should().HaveCount(3);
    }

    [Test]
    public void Explain_ImageThatDoesNotDecode_IsListedAndTheOthersContinue()
    {
        var images = ImageFolder("broken", "0-t-shirt-top.png", "9-ankle-boot.png");
        File.WriteAllBytes(Path.Combine(images, "5-broken.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3, 4, 5]);
        var output = Path.Combine(images, "out");

        var result = Run([.. new[] { "explain", TinyOnnx, images, "--out", output }, .. FastTiny]);

        result.ExitCode.Should().Be(5, result.ToString());
        result.Stderr.Should().Contain("5-broken.png");
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "results.json")));
        var entries = json.RootElement.GetProperty("images").EnumerateArray().ToList();
        entries.Select(e => e.GetProperty("status").GetString()).Should().BeEquivalentTo(["ok", "ok", "failed"]);
        entries.Single(e => e.GetProperty("status").GetString() == "failed").GetProperty("error").GetString().Should().NotBeNullOrEmpty();
        File.ReadAllText(Path.Combine(output, "index.html")).Should().Contain("Failures").And.Contain("5-broken.png");
        File.Exists(Path.Combine(output, "images", "9-ankle-boot-panel.png")).Should().BeTrue();
    }

    [TestCase("igospp")]
    [TestCase("igos")]
    [TestCase("igosplus")]
    [TestCase("mask")]
    [TestCase("ig")]
    [TestCase("gradcam")]
    [TestCase("rise")]
    public void Explain_EachMethod_WritesAMapOfTheMethodsResolution(string method)
    {
        var images = ImageFolder(method, "4-coat.png");
        var output = Path.Combine(images, "out");
        List<string> args = ["explain", TinyOnnx, images, "--out", output, "--method", method, "--preset", "none", "--size", "16", "--threads", "1"];
        if (method is "igospp" or "igos" or "igosplus" or "mask") args.AddRange(["--mask-size", "8", "--iterations", "2"]);
        if (method == "gradcam") args.AddRange(["--layer", "r"]); // the graph value the Relu after the convolution writes

        var result = Run([.. args]);

        result.ExitCode.Should().Be(0, result.ToString());
        var (values, shape) = Npy.ReadFloat32(File.ReadAllBytes(Path.Combine(output, "images", "4-coat-saliency-full.npy")));
        shape.Should().Equal(16, 16);
        values.Should().OnlyContain(v => float.IsFinite(v));
        if (method is "igospp" or "igos" or "igosplus" or "mask")
            Npy.ReadFloat32(File.ReadAllBytes(Path.Combine(output, "images", "4-coat-saliency.npy"))).Shape.Should().Equal(8, 8);
    }

    [Test]
    public void Explain_GradCamOnOnnxWithoutLayer_AsksForOne()
    {
        var images = ImageFolder("gradcam-layer", "4-coat.png");

        var result = Run("explain", TinyOnnx, images, "--out", Path.Combine(images, "out"), "--method", "gradcam", "--preset", "none", "--size", "16");

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Should().Contain("--layer VALUE");
    }

    [Test]
    public void Explain_LogitAndSigmoidTargets_ExplainThatScoreAndReportIt()
    {
        var images = ImageFolder("targets", "4-coat.png");
        // Outputs beside the image folder, so that no run reads another run's pictures as input.
        string Out(string kind) => images + "-" + kind;
        string[] Args(string kind) => [.. new[] { "explain", TinyOnnx, images, "--out", Out(kind), "--class", "2", "--target", kind }, .. FastTiny];

        var probability = Run(Args("probability"));
        var logit = Run(Args("logit"));
        var sigmoid = Run(Args("sigmoid"));

        foreach (var r in new[] { probability, logit, sigmoid }) r.ExitCode.Should().Be(0, r.ToString());
        File.ReadAllText(Path.Combine(Out("logit"), "run.json")).Should().Contain("class 2, logit");
        File.ReadAllText(Path.Combine(Out("probability"), "run.json")).Should().NotContain("logit");

        // The reported probability is the softmax for probability and logit targets and the class's own sigmoid for
        // sigmoid targets, as the model gives them.
        float[] logits;
        using (var scope = torch.NewDisposeScope())
        using (var model = OnnxModel.Load(TinyOnnx))
        using (torch.inference_mode())
        {
            var image = ImageIO.Load(Path.Combine(images, "4-coat.png"), new ImageLoadOptions { Channels = 3, Resize = (16, 16) });
            logits = model.call(image.unsqueeze(0))[0].data<float>().ToArray();
        }

        double Reported(string kind)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out(kind), "results.json")));
            return json.RootElement.GetProperty("images")[0].GetProperty("probability").GetDouble();
        }

        var softmax = Math.Exp(logits[2]) / logits.Sum(v => Math.Exp(v));
        Reported("probability").Should().BeApproximately(softmax, 1e-5);
        Reported("logit").Should().BeApproximately(softmax, 1e-5);
        Reported("sigmoid").Should().BeApproximately(1 / (1 + Math.Exp(-logits[2])), 1e-5);

        // A different score gives a different optimization, hence a different map.
        var p = Npy.ReadFloat32(File.ReadAllBytes(Path.Combine(Out("probability"), "images", "4-coat-saliency.npy"))).Values;
        var l = Npy.ReadFloat32(File.ReadAllBytes(Path.Combine(Out("logit"), "images", "4-coat-saliency.npy"))).Values;
        p.Zip(l, (a, b) => Math.Abs(a - b)).Max().Should().BeGreaterThan(1e-6f);
    }

    [Test]
    public void Explain_TorchScriptModel_IsLoadedAndExplained()
    {
        var images = ImageFolder("torchscript", "2-pullover.png");
        var output = Path.Combine(images, "out");

        var result = Run("explain", TinyTorchScript, images, "--out", output, "--preset", "none", "--size", "8", "--mask-size", "4", "--iterations", "1", "--threads", "1");

        result.ExitCode.Should().Be(0, result.ToString());
        result.Stdout.Should().Contain("torchscript");
        File.ReadAllText(Path.Combine(output, "run.json")).Should().Contain("\"modelFormat\": \"torchscript\"");
    }
}
