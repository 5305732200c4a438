using FluentAssertions;
using NUnit.Framework;
using IGOSpp.Imaging;
using SkiaSharp;
using TorchSharp;

namespace IGOSpp.Tests.Imaging;

[TestFixture]
public sealed class SaliencyRendererTests
{
    [Test]
    public void Heatmap_Tensor_HasRequestedSize()
    {
        using var scope = torch.NewDisposeScope();
        var saliency = torch.rand(7, 7, generator: new torch.Generator(1));

        using var heat = SaliencyRenderer.Heatmap(saliency, 224, 160);

        heat.Width.Should().Be(224);
        heat.Height.Should().Be(160);
    }

    [Test]
    public void Heatmap_MinMaxScaling_MapsExtremesToColormapEnds()
    {
        var saliency = new float[,] { { -2f, 5f } };

        using var heat = SaliencyRenderer.Heatmap(saliency, 2, 1);

        heat.GetPixel(0, 0).Should().Be(Colormap.Viridis[0]);
        heat.GetPixel(1, 0).Should().Be(Colormap.Viridis[255]);
    }

    [Test]
    public void Heatmap_Upsampling_IsBilinearWithAlignedCornersLikeMaskUpsampling()
    {
        // Input [0, 1] upsampled to 4 pixels with align_corners = true (the explainers' and the metric's convention):
        // sources at x = 0, 1/3, 2/3, 1 → colormap indices round(255·v) = 0, 85, 170, 255.
        var saliency = new float[,] { { 0f, 1f } };

        using var heat = SaliencyRenderer.Heatmap(saliency, 4, 1, Colormap.Inferno, HeatmapScaling.Clamp);

        Enumerable.Range(0, 4).Select(x => heat.GetPixel(x, 0)).Should().Equal(
            Colormap.Inferno[0], Colormap.Inferno[85], Colormap.Inferno[170], Colormap.Inferno[255]);
    }

    [Test]
    public void Heatmap_Upsampling_EqualsMaskUpsamplingOfTheSameMap()
    {
        using var scope = torch.NewDisposeScope();
        var saliency = torch.rand(5, 7, generator: new torch.Generator(3));
        var expected = IGOSpp.Perturbation.MaskUpsampling.Bilinear(saliency.view(1, 1, 5, 7), 23, 31)[0, 0];
        using var heat = SaliencyRenderer.Heatmap(saliency, 31, 23, Colormap.Inferno, HeatmapScaling.Clamp);

        var values = expected.data<float>().ToArray();
        for (var y = 0; y < 23; y++)
            for (var x = 0; x < 31; x++)
                heat.GetPixel(x, y).Should().Be(Colormap.Inferno.Map(values[(y * 31) + x]), $"pixel ({x},{y})");
    }

    [Test]
    public void Heatmap_ConstantMap_RendersLowEnd()
    {
        using var heat = SaliencyRenderer.Heatmap(new float[,] { { 3f, 3f }, { 3f, 3f } }, 3, 3);

        heat.Pixels.Should().OnlyContain(c => c == Colormap.Viridis[0]);
    }

    [Test]
    public void Heatmap_NaN_ThrowsArgumentException()
    {
        var act = () => SaliencyRenderer.Heatmap(new float[,] { { 0f, float.NaN } }, 2, 2);

        act.Should().Throw<ArgumentException>().WithParameterName("saliency");
    }

    [Test]
    public void Heatmap_IntegerTensor_ThrowsArgumentException()
    {
        using var scope = torch.NewDisposeScope();
        var act = () => SaliencyRenderer.Heatmap(torch.ones(2, 2, torch.int64), 2, 2);

        act.Should().Throw<ArgumentException>().WithMessage("*floating-point*");
    }

    [TestCase(0f)]
    [TestCase(0.5f)]
    [TestCase(1f)]
    public void Overlay_Opacity_BlendsLinearly(float opacity)
    {
        using var image = Solid(4, 4, new SKColor(200, 100, 0));
        using var heat = Solid(4, 4, new SKColor(0, 50, 250));

        using var blended = SaliencyRenderer.Overlay(image, heat, opacity);

        var c = blended.GetPixel(2, 2);
        ((int)c.Red).Should().BeCloseTo((int)MathF.Round(200 * (1 - opacity)), 1);
        ((int)c.Green).Should().BeCloseTo((int)MathF.Round((100 * (1 - opacity)) + (50 * opacity)), 1);
        ((int)c.Blue).Should().BeCloseTo((int)MathF.Round(250 * opacity), 1);
    }

    [Test]
    public void Overlay_TensorImageAndSmallMap_HasImageSize()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.rand(1, 28, 28, generator: new torch.Generator(3));
        var saliency = torch.rand(7, 7, generator: new torch.Generator(4));

        using var overlay = SaliencyRenderer.Overlay(image, saliency, 0.6f);

        overlay.Width.Should().Be(28);
        overlay.Height.Should().Be(28);
    }

    [Test]
    public void Overlay_OpacityOutOfRange_Throws()
    {
        using var image = Solid(2, 2, SKColors.Red);

        FluentActions.Invoking(() => SaliencyRenderer.Overlay(image, image, 1.5f)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("opacity");
    }

    [Test]
    public void Panel_FiveTiles_HasExpectedSizeAndRendersTitles()
    {
        using var tile = Solid(28, 28, SKColors.LightGray);
        var tiles = new[] { "Image", "Saliency", "Overlay", "Deletion mask", "Insertion mask" }.Select(t => (t, tile)).ToList();

        using var panel = SaliencyRenderer.Panel(tiles);

        panel.Width.Should().Be((5 * 224) + (6 * 8));
        panel.Height.Should().Be(8 + 26 + 224 + 8);

        // The title band is white except where glyphs were drawn: dark pixels prove that text renders.
        int dark = 0;
        for (int y = 8; y < 8 + 26; y++)
        {
            for (int x = 8; x < 8 + 224; x++)
            {
                dark += panel.GetPixel(x, y).Red < 128 ? 1 : 0;
            }
        }

        dark.Should().BeGreaterThan(30);
    }

    [Test]
    public void Panel_NoTiles_ThrowsArgumentException()
    {
        FluentActions.Invoking(() => SaliencyRenderer.Panel(Array.Empty<(string, SKBitmap)>())).Should().Throw<ArgumentException>().WithParameterName("tiles");
    }

    [Test]
    public void CurveChart_Curves_HasSizeAndBothCurveColors()
    {
        var insertion = Enumerable.Range(0, 50).Select(i => Math.Sqrt(i / 49.0)).ToArray();
        var deletion = Enumerable.Range(0, 50).Select(i => Math.Pow(1 - (i / 49.0), 3)).ToArray();

        using var chart = SaliencyRenderer.CurveChart(insertion, deletion);

        chart.Width.Should().Be(640);
        chart.Height.Should().Be(420);
        chart.Pixels.Should().Contain(new SKColor(0x1F, 0x77, 0xB4));
        chart.Pixels.Should().Contain(new SKColor(0xD6, 0x27, 0x28));
    }

    [Test]
    public void AreaUnderCurve_IsTheMetricsRightRiemannSum()
    {
        // Right Riemann sum on evenly spaced points: (0.5 + 1)/2 for the line; 1 for the constant.
        Metrics.InsertionDeletionResult.AreaUnderCurve([0, 0.5, 1], [0, 0.5, 1]).Should().BeApproximately(0.75, 1e-12);
        Metrics.InsertionDeletionResult.AreaUnderCurve([0, 1], [1, 1]).Should().BeApproximately(1.0, 1e-12);
        FluentActions.Invoking(() => Metrics.InsertionDeletionResult.AreaUnderCurve([0, 0.6, 0.5], [1, 1, 1]))
            .Should().Throw<ArgumentException>().WithParameterName("fractions");
    }

    [Test]
    public void CurveChart_ResultOfAScoreOutsideTheUnitInterval_WidensTheAxisAndDrawsBothCurves()
    {
        // A regression target whose score is 10 × the image mean (0 to 10): the metric's curves leave [0, 1], and the
        // chart of the result spans their range instead of refusing them.
        using var scope = torch.NewDisposeScope();
        var linear = torch.nn.Linear(3 * 8 * 8, 1);
        using (torch.no_grad())
        {
            linear.weight!.fill_(10.0 / (3 * 8 * 8));
            linear.bias!.zero_();
        }

        using var model = torch.nn.Sequential(("flatten", torch.nn.Flatten()), ("linear", linear));

        var image = torch.rand(3, 8, 8, generator: new torch.Generator(3));
        var saliency = torch.arange(64, dtype: torch.ScalarType.Float32).view(8, 8);
        var result = new Metrics.InsertionDeletionMetric(model).Evaluate(image, Targets.ExplanationTarget.Regression(), saliency,
            torch.zeros(3, 8, 8));
        result.InsertionCurve.Max().Should().BeGreaterThan(1, "the score is not a probability");

        using var chart = SaliencyRenderer.CurveChart(result);

        chart.Pixels.Should().Contain(new SKColor(0x1F, 0x77, 0xB4));
        chart.Pixels.Should().Contain(new SKColor(0xD6, 0x27, 0x28));
    }

    [Test]
    public void CurveChart_ValueAboveOne_ThrowsArgumentException()
    {
        var act = () => SaliencyRenderer.CurveChart(new[] { 0, 1.2 }, new[] { 1.0, 0 });

        act.Should().Throw<ArgumentException>().WithParameterName("insertion").WithMessage("*point 1*");
    }

    [Test]
    public void Fonts_EmbeddedTypeface_HasGlyphsForLegendText()
    {
        using var font = Fonts.Create(14f);

        font.GetGlyphs("Insertion (AUC 0.812) – Δ").Should().NotContain((ushort)0);
        font.MeasureText("Insertion").Should().BeGreaterThan(40f);
    }

    private static SKBitmap Solid(int width, int height, SKColor color)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(color);
        return bitmap;
    }
}
