using System.Text.RegularExpressions;
using FluentAssertions;
using IGOSpp.Cli.Output;

namespace IGOSpp.Cli.Tests.Output;

[TestFixture]
public sealed partial class HtmlReportTests
{
    private static readonly RunInfo Run = new()
    {
        Tool = "igospp test", Model = "/models/my <model>.onnx", ModelFormat = "onnx", ModelSha256 = new string('a', 64), Method = "igospp",
        MethodTitle = "iGOS++", Input = "3x16x16", Preprocessing = "resize", Target = "top class", Classes = 5, Settings = "mask 8x8", Fingerprint = "f",
    };

    private static ImageResult Ok(string id, double deletion) => new()
    {
        Id = id, Source = $"/images/{id}.png", Status = "ok", ClassId = 1, ClassName = "class 1", Probability = 0.5, TopClassId = 1, TopProbability = 0.5,
        DeletionAuc = deletion, InsertionAuc = 0.7, ExplainSeconds = 1, MetricSeconds = 0.5, ModelImages = 100, MetricImages = 10,
        Panel = $"images/{id}-panel.png", Curves = $"images/{id}-curves.png", SaliencyNpy = $"images/{id}-saliency.npy", SaliencyFullNpy = $"images/{id}-saliency-full.npy",
    };

    [Test]
    public void Render_References_OnlyRelativeFilesAndNoExternalResource()
    {
        var html = HtmlReport.Render(Run, [Ok("a", 0.1), Ok("b b", 0.2)]);

        html.Should().NotContainAny("http://", "https://", "<link", "@import", "<script src");
        foreach (Match m in AttributePattern().Matches(html))
        {
            var value = m.Groups[2].Value;
            (value.StartsWith('#') || !value.Contains(':', StringComparison.Ordinal)).Should().BeTrue($"{m.Value} is a relative reference");
        }

        html.Should().Contain("src=\"images/b%20b-panel.png\"", "file names are escaped as URLs");
    }

    [Test]
    public void Render_Text_IsHtmlEscaped()
    {
        var html = HtmlReport.Render(Run, [Ok("a", 0.1) with { ClassName = "<b>cat</b>" }]);

        html.Should().Contain("&lt;b&gt;cat&lt;/b&gt;").And.NotContain("<b>cat</b>");
        html.Should().Contain("my &lt;model&gt;.onnx");
    }

    [Test]
    public void Render_Run_ShowsSettingsChecksumTableRowsAndFailures()
    {
        var failed = new ImageResult { Id = "c", Source = "/images/c.png", Status = "failed", Error = "not an image" };

        var html = HtmlReport.Render(Run, [Ok("a", 0.1), Ok("b", 0.2), failed]);

        html.Should().Contain(Run.ModelSha256).And.Contain("mask 8x8").And.Contain("not an image");
        Regex.Matches(html, "<tr><td data-value=").Should().HaveCount(2, "one table row per explained image");
        html.Should().Contain("2 image(s) explained, 1 failed");
    }

    [GeneratedRegex("(src|href)=\"([^\"]*)\"")]
    private static partial Regex AttributePattern();
}
