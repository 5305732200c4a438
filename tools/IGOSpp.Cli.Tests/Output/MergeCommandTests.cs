using System.Text.Json;
using FluentAssertions;
using static IGOSpp.Cli.Tests.CliRunner;

namespace IGOSpp.Cli.Tests.Output;

[TestFixture]
public sealed class MergeCommandTests
{
    private static readonly string[] Five = ["0-t-shirt-top.png", "1-trouser.png", "2-pullover.png", "3-dress.png", "4-coat.png"];

    [Test]
    public void Merge_TwoShards_GivesTheImagesOfAnUnshardedRunInItsOrder()
    {
        var images = ImageFolder("shards", Five);
        var work = Path.Combine(images, "..", Path.GetFileName(images) + "-out");
        string[] Args(string output, params string[] extra) => [.. new[] { "explain", TinyOnnx, images, "--out", output }, .. FastTiny, .. extra];
        var shard0 = Path.Combine(work, "shard-0");
        var shard1 = Path.Combine(work, "shard-1");
        Run(Args(shard0, "--shard", "0/2")).ExitCode.Should().Be(0);
        Run(Args(shard1, "--shard", "1/2")).ExitCode.Should().Be(0);
        var whole = Path.Combine(work, "whole");
        Run(Args(whole)).ExitCode.Should().Be(0);

        var ids0 = Ids(shard0);
        var ids1 = Ids(shard1);
        ids0.Should().Equal("0-t-shirt-top", "2-pullover", "4-coat");
        ids1.Should().Equal("1-trouser", "3-dress");

        var merged = Path.Combine(work, "merged");
        var result = Run("merge", merged, shard0, shard1);

        result.ExitCode.Should().Be(0, result.ToString());
        Ids(merged).Should().Equal(Ids(whole));
        File.ReadAllLines(Path.Combine(merged, "results.csv")).Should().HaveCount(6);
        foreach (var id in Ids(whole))
            File.Exists(Path.Combine(merged, "images", $"{id}-panel.png")).Should().BeTrue(id);
        File.ReadAllText(Path.Combine(merged, "index.html")).Should().Contain("5 image(s) explained, 0 failed");
        // The same seed and settings on the same image give the same scores, sharded or not.
        Auc(merged, "3-dress").Should().Be(Auc(whole, "3-dress"));
    }

    [Test]
    public void Merge_ShardsOfOtherSettings_AreRefused()
    {
        var images = ImageFolder("merge-mismatch", "4-coat.png");
        var a = Path.Combine(images, "..", Path.GetFileName(images) + "-a");
        var b = Path.Combine(images, "..", Path.GetFileName(images) + "-b");
        Run([.. new[] { "explain", TinyOnnx, images, "--out", a }, .. FastTiny]).ExitCode.Should().Be(0);
        Run([.. new[] { "explain", TinyOnnx, images, "--out", b, "--seed", "3" }, .. FastTiny]).ExitCode.Should().Be(0);

        var result = Run("merge", Path.Combine(images, "..", Path.GetFileName(images) + "-merged"), a, b);

        result.ExitCode.Should().Be(4, result.ToString());
        result.Stderr.Should().Contain("other settings");
    }

    [Test]
    public void Merge_FolderThatIsNoExplainOutput_ExitsWithUsage()
    {
        var empty = ImageFolder("merge-empty");

        var result = Run("merge", Path.Combine(empty, "merged"), empty);

        result.ExitCode.Should().Be(2, result.ToString());
        result.Stderr.Should().Contain("is not an 'igospp explain' output folder");
    }

    private static List<string> Ids(string folder)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "results.json")));
        return json.RootElement.GetProperty("images").EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();
    }

    private static double Auc(string folder, string id)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "results.json")));
        return json.RootElement.GetProperty("images").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id).GetProperty("deletionAuc").GetDouble();
    }
}
