using FluentAssertions;
using IGOSpp.Cli.Explain;
using IGOSpp.Imaging;
using TorchSharp;

namespace IGOSpp.Cli.Tests.Explain;

[TestFixture]
public sealed class PreprocessingTests
{
    private static ExplainSettings Settings(string preset, (int, int)? size = null) =>
        new() { ModelPath = "m.onnx", Inputs = ["x"], Preset = preset, Size = size };

    [Test]
    public void From_ImageNetPreset_Is224CropOfShorterSide256WithImageNetStatistics()
    {
        var p = Preprocessing.From(Settings("imagenet"), null);

        (p.Channels, p.Height, p.Width, p.ResizeShorter).Should().Be((3, 224, 224, 256));
        p.Mean.Should().Equal(0.485f, 0.456f, 0.406f);
        p.Std.Should().Equal(0.229f, 0.224f, 0.225f);
    }

    [Test]
    public void From_NonePresetWithoutSizeOnAModelThatDeclaresNone_AsksForSize()
    {
        var act = () => Preprocessing.From(Settings("none"), [null, 3, null, null]);

        act.Should().Throw<CliException>().Which.ExitCode.Should().Be(ExitCodes.Usage);
    }

    [Test]
    public void From_NonePreset_TakesTheDeclaredSizeAndChannels()
    {
        var p = Preprocessing.From(Settings("none"), [1, 1, 28, 28]);

        (p.Channels, p.Height, p.Width, p.ResizeShorter).Should().Be((1, 28, 28, (int?)null));
        p.Mean.Should().Equal(0f);
        p.Std.Should().Equal(1f);
    }

    [Test]
    public void Load_WideImageWithImageNetPreset_CropsTheCentreAndNormalizes()
    {
        // 64×16 (W×H): black left half, white right half. Shorter side 16 → 18 (16·256/224), so 72×18, crop 16×16 at
        // the centre: the black/white edge (at x = 36 of 72) falls in the middle of the crop (x = 8 of 16).
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"wide-{Guid.NewGuid():N}.png");
        using (var scope = torch.NewDisposeScope())
        {
            var image = torch.zeros(3, 16, 64);
            image[.., .., 32..] = torch.ones(3, 16, 32);
            ImageIO.SavePng(image, path);
        }

        var p = Preprocessing.From(Settings("imagenet", (16, 16)), null);
        using var disposeScope = torch.NewDisposeScope();
        var (input, display) = p.Load(path);

        display.shape.Should().Equal(3, 16, 16);
        input.shape.Should().Equal(3, 16, 16);
        var row = display[0, 8].data<float>().ToArray();
        row.Take(6).Should().OnlyContain(v => v < 0.05f, "the left of the crop is the black half");
        row.Skip(10).Should().OnlyContain(v => v > 0.95f, "the right of the crop is the white half");
        var red = input[0, 8, 15].item<float>();
        red.Should().BeApproximately((display[0, 8, 15].item<float>() - 0.485f) / 0.229f, 1e-5f);
    }
}
