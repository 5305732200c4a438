using System.Text.RegularExpressions;
using FluentAssertions;
using IGOSpp.Imaging;
using static IGOSpp.Cli.Tests.CliRunner;

namespace IGOSpp.Cli.Tests.Output;

/// <summary>
/// index.html in a real browser: headless Chromium opens it from disk; the page's inline self-check records script
/// errors and pictures that did not load into <c>#igospp-self-check</c>, which the dumped DOM shows. Ignored only when
/// no Chromium is installed (CI installs it).
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class HtmlReportBrowserTests
{
    private string _browser = null!;
    private string _output = null!;

    [OneTimeSetUp]
    public void WriteReport()
    {
        _browser = Chromium.Find()!;
        if (_browser is null) Assert.Ignore("No chromium on PATH (apt-get install -y chromium; CI installs it).");
        var images = ImageFolder("browser", "0-t-shirt-top.png", "4-coat.png", "7-sneaker.png");
        File.WriteAllText(Path.Combine(images, "3-not-an-image.png"), "this is text, not a PNG");
        _output = Path.Combine(images, "out");
        var result = Run([.. new[] { "explain", TinyOnnx, images, "--out", _output }, .. FastTiny]);
        result.ExitCode.Should().Be(5, result.ToString());
    }

    [Test]
    public void Report_OpenedFromDisk_HasNoScriptErrorAndEveryPictureLoads()
    {
        var (dom, log) = Chromium.DumpDom(_browser, Path.Combine(_output, "index.html"));

        var check = SelfCheck(dom);
        check.Errors.Should().Be("0", $"the self-check lists: {check.Text}\nbrowser log:\n{log}");
        check.Images.Should().Be("9", "three thumbnails, three panels and three curve charts");
        check.Pending.Should().Be("0");
        log.Should().NotContain("Uncaught");
        dom.Should().Contain("3-not-an-image.png", "the failure is listed");
        dom.Should().Contain("<table id=\"results\"");
    }

    [Test]
    public void Report_Screenshot_IsAPictureOfThePage()
    {
        var png = Path.Combine(_output, "report-screenshot.png");

        var log = Chromium.Screenshot(_browser, Path.Combine(_output, "index.html"), png, 1200, 1400);

        File.Exists(png).Should().BeTrue(log);
        using var picture = ImageIO.Load(png);
        picture.shape.Should().Equal([3, 1400, 1200]);
        var copy = Environment.GetEnvironmentVariable("IGOSPP_REPORT_SCREENSHOT");
        if (!string.IsNullOrEmpty(copy)) File.Copy(png, copy, overwrite: true);
    }

    [Test]
    public void SelfCheck_MissingPicture_IsReported()
    {
        // A copy of the report whose panel of one image is gone: the check must see it (it can fail).
        var copy = CopyReport("missing-picture");
        File.Delete(Path.Combine(copy, "images", "4-coat-panel.png"));

        var check = SelfCheck(Chromium.DumpDom(_browser, Path.Combine(copy, "index.html")).Dom);

        check.Errors.Should().Be("2", "the thumbnail and the detail panel show the same file");
        check.Text.Should().Contain("image did not load: images/4-coat-panel.png");
    }

    [Test]
    public void SelfCheck_ScriptError_IsReported()
    {
        var copy = CopyReport("script-error");
        var page = Path.Combine(copy, "index.html");
        File.WriteAllText(page, File.ReadAllText(page).Replace("</body>", "<script>notDefinedAnywhere();</script>\n</body>", StringComparison.Ordinal));

        var check = SelfCheck(Chromium.DumpDom(_browser, page).Dom);

        check.Errors.Should().Be("1");
        check.Text.Should().Contain("script error").And.Contain("notDefinedAnywhere");
    }

    private string CopyReport(string name)
    {
        var copy = Path.Combine(Path.GetDirectoryName(_output)!, name);
        Directory.CreateDirectory(Path.Combine(copy, "images"));
        foreach (var file in Directory.EnumerateFiles(_output, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(_output, file));
            File.Copy(file, target, overwrite: true);
        }

        return copy;
    }

    private static (string Errors, string Images, string Pending, string Text) SelfCheck(string dom)
    {
        var match = SelfCheckPattern().Match(dom);
        match.Success.Should().BeTrue($"the DOM has the self-check element:\n{dom[..Math.Min(dom.Length, 2000)]}");
        var element = match.Value;
        string Attribute(string name) => Regex.Match(element, $"{name}=\"([^\"]*)\"").Groups[1].Value;
        return (Attribute("data-errors"), Attribute("data-images"), Attribute("data-pending"), System.Net.WebUtility.HtmlDecode(match.Groups[1].Value));
    }

    [GeneratedRegex("<pre id=\"igospp-self-check\"[^>]*>([^<]*)</pre>")]
    private static partial Regex SelfCheckPattern();
}
