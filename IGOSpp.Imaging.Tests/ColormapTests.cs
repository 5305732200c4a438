using FluentAssertions;
using NUnit.Framework;
using IGOSpp.Imaging;
using SkiaSharp;

namespace IGOSpp.Tests.Imaging;

[TestFixture]
public sealed class ColormapTests
{
    [Test]
    public void Viridis_Endpoints_MatchMatplotlib()
    {
        Colormap.Viridis.Map(0f).Should().Be(new SKColor(68, 1, 84));
        Colormap.Viridis.Map(1f).Should().Be(new SKColor(253, 231, 37));
        Colormap.Viridis[128].Should().Be(new SKColor(33, 145, 140));
    }

    [Test]
    public void Inferno_Endpoints_MatchMatplotlib()
    {
        Colormap.Inferno.Map(0f).Should().Be(new SKColor(0, 0, 4));
        Colormap.Inferno.Map(1f).Should().Be(new SKColor(252, 255, 164));
    }

    [TestCase(-3f, 0)]
    [TestCase(2f, 255)]
    [TestCase(0.25f, 64)] // 0.25 * 255 = 63.75 rounds to 64
    public void Map_Value_PicksNearestEntryAfterClamping(float value, int index)
    {
        Colormap.Viridis.Map(value).Should().Be(Colormap.Viridis[index]);
    }

    [Test]
    public void Map_LightnessIncreases_FromLowToHigh()
    {
        foreach (var map in new[] { Colormap.Viridis, Colormap.Inferno })
        {
            var luma = Enumerable.Range(0, map.Count).Select(i => (0.299 * map[i].Red) + (0.587 * map[i].Green) + (0.114 * map[i].Blue)).ToArray();
            luma.Last().Should().BeGreaterThan(luma.First() + 150, map.Name);
            luma.Zip(luma.Skip(16)).Should().OnlyContain(p => p.Second > p.First, "{0} is perceptually ordered", map.Name);
        }
    }

    [Test]
    public void Map_NaN_ThrowsArgumentException()
    {
        FluentActions.Invoking(() => Colormap.Viridis.Map(float.NaN)).Should().Throw<ArgumentException>().WithParameterName("value");
    }
}
