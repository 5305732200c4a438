using SkiaSharp;

namespace IGOSpp.Imaging;

/// <summary>
/// The typeface used for titles, axis labels and legends.
/// </summary>
/// <remarks>
/// SkiaSharp.NativeAssets.Linux.NoDependencies has no fontconfig, so <see cref="SKTypeface.Default"/> can be an
/// empty typeface that draws nothing. To render the same text everywhere, IGOSpp embeds "IGOSpp Sans", a
/// 33 KB subset of DejaVu Sans 2.37 (Basic Latin, Latin-1, a few arrows, dashes and Greek letters), renamed as the
/// Bitstream Vera license requires (license text: Imaging/Fonts/LICENSE-DejaVu.txt).
/// </remarks>
internal static class Fonts
{
    internal const string ResourceName = "IGOSpp.Imaging.Fonts.IGOSppSans.ttf";

    private static readonly Lazy<SKTypeface> Embedded = new(LoadEmbedded);

    /// <summary>The embedded typeface (never disposed; shared for the process lifetime).</summary>
    internal static SKTypeface Typeface => Embedded.Value;

    /// <summary>Creates a font of the given size in pixels with the embedded typeface. The caller disposes it.</summary>
    internal static SKFont Create(float size) => new(Typeface, size) { Subpixel = true, Edging = SKFontEdging.Antialias };

    private static SKTypeface LoadEmbedded()
    {
        using var stream = typeof(Fonts).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded font resource '{ResourceName}' is missing.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        using var data = SKData.CreateCopy(memory.ToArray());
        return SKTypeface.FromData(data)
            ?? throw new InvalidOperationException($"Embedded font resource '{ResourceName}' could not be parsed by SkiaSharp.");
    }
}
