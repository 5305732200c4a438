using SkiaSharp;

namespace IGOSpp.Imaging;

public static partial class SaliencyRenderer
{
    /// <summary>
    /// Lays out titled tiles side by side (for example image | saliency | overlay | deletion mask | insertion mask).
    /// </summary>
    /// <param name="tiles">The tiles in order, each with a title (may be empty) drawn above it. At least one.</param>
    /// <param name="options">Tile size, spacing, font size; <see langword="null"/> means defaults.</param>
    /// <returns>An opaque RGBA bitmap on a white background. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">No tiles, a null or empty bitmap, or a null title.</exception>
    public static SKBitmap Panel(IReadOnlyList<(string Title, SKBitmap Tile)> tiles, PanelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        if (tiles.Count == 0)
        {
            throw new ArgumentException("At least one tile is required.", nameof(tiles));
        }

        for (int i = 0; i < tiles.Count; i++)
        {
            if (tiles[i].Title is null)
            {
                throw new ArgumentException($"Tile {i} has a null title (use \"\" for none).", nameof(tiles));
            }

            CheckBitmap(tiles[i].Tile, $"{nameof(tiles)}[{i}]");
        }

        options ??= PanelOptions.Default;
        int size = options.TileSize;
        int gap = options.Spacing;
        using var font = Fonts.Create(options.FontSize);
        int titleHeight = (int)MathF.Ceiling(options.FontSize * 1.6f);
        int width = (tiles.Count * size) + ((tiles.Count + 1) * gap);
        int height = titleHeight + size + (2 * gap);

        var result = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(result);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        for (int i = 0; i < tiles.Count; i++)
        {
            var (title, tile) = tiles[i];
            float left = gap + (i * (size + gap));
            float top = gap + titleHeight;

            // Fit the tile in a size x size square, keeping its aspect ratio. Upscaling uses nearest neighbour so that
            // pixels (and saliency cells) stay crisp; downscaling is smooth.
            float scale = Math.Min((float)size / tile.Width, (float)size / tile.Height);
            float w = tile.Width * scale, h = tile.Height * scale;
            var dest = SKRect.Create(left + ((size - w) / 2f), top + ((size - h) / 2f), w, h);
            using var image = SKImage.FromBitmap(tile);
            canvas.DrawImage(image, dest, scale >= 1f ? Nearest : Smooth);

            string shown = Ellipsize(title, font, size);
            canvas.DrawText(shown, left + (size / 2f), gap + (options.FontSize * 1.15f), SKTextAlign.Center, font, text);
        }

        canvas.Flush();
        return result;
    }

    private static string Ellipsize(string text, SKFont font, float maxWidth)
    {
        if (font.MeasureText(text) <= maxWidth)
        {
            return text;
        }

        for (int n = text.Length - 1; n > 0; n--)
        {
            string candidate = string.Concat(text.AsSpan(0, n), "…");
            if (font.MeasureText(candidate) <= maxWidth)
            {
                return candidate;
            }
        }

        return "…";
    }
}
