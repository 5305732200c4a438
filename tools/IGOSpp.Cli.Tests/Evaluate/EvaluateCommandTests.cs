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

    [GeneratedRegex(@"\| [^|]+ \| [^|]+ \| ([0-9.]+) ±")]
    private static partial Regex MeanPattern();
}
