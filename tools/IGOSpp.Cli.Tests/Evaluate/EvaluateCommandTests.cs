using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using static IGOSpp.Cli.Tests.CliRunner;

namespace IGOSpp.Cli.Tests.Evaluate;

[TestFixture]
public sealed partial class EvaluateCommandTests
{
    private static readonly string[] Fast = ["--preset", "none", "--size", "16", "--threads", "1"];

    [Test]
    public void Evaluate_TwoMethods_WritesTheTableWithTheLoggedMeans()
    {
        var images = ImageFolder("evaluate", "0-t-shirt-top.png", "4-coat.png", "8-bag.png");
        var output = Path.Combine(images, "..", Path.GetFileName(images) + "-out");

        var result = Run([.. new[] { "evaluate", TinyOnnx, images, "--out", output, "--methods", "igospp7,ig" }, .. Fast]);

        result.ExitCode.Should().Be(0, result.ToString());
        var table = File.ReadAllText(Path.Combine(output, "results.md"));
        table.Should().Contain("<!-- evaluation:igospp:begin -->").And.Contain("N = 3 images").And.Contain("class = the model's top class");
        var log = File.ReadAllLines(Path.Combine(output, "evaluation.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        log.Should().HaveCount(6, "two methods times three images");

        // The table's deletion AUC of Integrated Gradients is the mean of its logged per-image values.
        var ig = log.Where(r => r.GetProperty("Method").GetString() == "ig").Select(r => r.GetProperty("Auc").GetProperty("Integrated Gradients")[0].GetDouble()).ToList();
        var row = table.Split('\n').Single(l => l.StartsWith("| Integrated Gradients |", StringComparison.Ordinal));
        var deletion = double.Parse(MeanPattern().Match(row).Groups[1].Value, CultureInfo.InvariantCulture);
        deletion.Should().BeApproximately(ig.Average(), 5e-5);
        table.Should().Contain("| iGOS++: Mx only |");
    }

    [Test]
    public void Evaluate_Rerun_ReusesTheLog()
    {
        var images = ImageFolder("evaluate-resume", "1-trouser.png", "2-pullover.png");
        var output = Path.Combine(images, "..", Path.GetFileName(images) + "-out");
        string[] args = [.. new[] { "evaluate", TinyOnnx, images, "--out", output, "--methods", "ig" }, .. Fast];
        Run(args).ExitCode.Should().Be(0);
        var first = File.ReadAllLines(Path.Combine(output, "evaluation.jsonl"));

        var second = Run(args);

        second.ExitCode.Should().Be(0, second.ToString());
        File.ReadAllLines(Path.Combine(output, "evaluation.jsonl")).Should().Equal(first, "every image was already evaluated");
    }

    [Test]
    public void Evaluate_UnknownMethodKey_ExitsWithUsageAndListsTheKeys()
    {
        var images = ImageFolder("evaluate-unknown", "4-coat.png");

        var result = Run([.. new[] { "evaluate", TinyOnnx, images, "--out", Path.Combine(images, "out"), "--methods", "nope" }, .. Fast]);

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Should().Contain("nope").And.Contain("igospp28");
    }

    [Test]
    public void Evaluate_ShardsMerged_GiveTheTableOfTheWholeRun()
    {
        var images = ImageFolder("evaluate-shards", "0-t-shirt-top.png", "4-coat.png", "8-bag.png");
        var work = Path.Combine(images, "..", Path.GetFileName(images) + "-out");
        string[] Args(string output, params string[] extra) => [.. new[] { "evaluate", TinyOnnx, images, "--out", output, "--methods", "igospp7,ig" }, .. Fast, .. extra];
        Run(Args(Path.Combine(work, "s0"), "--shard", "0/2")).ExitCode.Should().Be(0);
        Run(Args(Path.Combine(work, "s1"), "--shard", "1/2")).ExitCode.Should().Be(0);
        Run(Args(Path.Combine(work, "whole"))).ExitCode.Should().Be(0);

        var merged = Run("merge", Path.Combine(work, "merged"), Path.Combine(work, "s0"), Path.Combine(work, "s1"));

        merged.ExitCode.Should().Be(0, merged.ToString());
        File.ReadAllLines(Path.Combine(work, "merged", "evaluation.jsonl")).Should().HaveCount(6);
        AucColumns(Path.Combine(work, "merged")).Should().Equal(AucColumns(Path.Combine(work, "whole")),
            "the shards explain each image with the seed of its position in the whole list");
        File.ReadAllText(Path.Combine(work, "merged", "results.md")).Should().Contain("N = 3 images");
        // Exactly, per image: the AUCs and the final loss of each explanation (the tiny model's AUCs agree to four
        // decimals whatever the seed, its losses do not).
        PerImage(Path.Combine(work, "merged")).Should().BeEquivalentTo(PerImage(Path.Combine(work, "whole")));
    }

    private static Dictionary<string, string> PerImage(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "evaluation.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(
            r => $"{r.GetProperty("Method").GetString()} {r.GetProperty("Image").GetString()}",
            r => $"{r.GetProperty("Auc").GetRawText()} {(r.GetProperty("Iterations").GetArrayLength() > 0 ? r.GetProperty("Iterations")[r.GetProperty("Iterations").GetArrayLength() - 1].GetRawText() : "")}");

    [Test]
    public void Evaluate_FashionMnist_TakesTheFirstCorrectlyClassifiedTestImagesWithTheirLabels()
    {
        if (!IGOSpp.Samples.FashionMnist.IsAvailable(IGOSpp.Samples.FashionMnistSplit.Test))
            Assert.Ignore("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist; CI installs it).");
        var output = ImageFolder("evaluate-fmnist");

        var result = Run([.. new[] { "evaluate", TinyOnnx, "--fashion-mnist", IGOSpp.Samples.FashionMnist.DefaultDirectory, "--count", "3", "--methods", "ig", "--out", output }, .. Fast]);

        result.ExitCode.Should().Be(0, result.ToString());
        File.ReadAllText(Path.Combine(output, "results.md")).Should().Contain("the first N = 3 correctly classified Fashion-MNIST test images, class = the label");
        var records = File.ReadAllLines(Path.Combine(output, "evaluation.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        records.Should().HaveCount(3);
        using var test = IGOSpp.Samples.FashionMnist.Load(IGOSpp.Samples.FashionMnistSplit.Test, 1000);
        var labels = test.Labels.to(TorchSharp.torch.ScalarType.Int64).data<long>().ToArray();
        var indices = records.Select(r => r.GetProperty("TestIndex").GetInt32()).ToList();
        indices.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        foreach (var r in records)
            r.GetProperty("Label").GetInt64().Should().Be(labels[r.GetProperty("TestIndex").GetInt32()], "the class explained is the test image's label");
    }

    [Test]
    public void Evaluate_NeitherImagesNorFashionMnist_ExitsWithUsage()
    {
        var result = Run("evaluate", TinyOnnx, "--methods", "ig");

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Should().Contain("--fashion-mnist");
    }

    // Each table row's method and its deletion and insertion AUC (mean ± standard error), without the timing columns.
    private static List<string> AucColumns(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "results.md"))
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal) && l.Contains('±', StringComparison.Ordinal))
            .Select(l => string.Join("|", l.Split('|').Skip(1).Take(4)))
            .ToList();

    [GeneratedRegex(@"\| [^|]+ \| [^|]+ \| ([0-9.]+) ±")]
    private static partial Regex MeanPattern();
}
