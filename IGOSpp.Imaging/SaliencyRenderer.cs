using IGOSpp.Metrics;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Imaging;

/// <summary>
/// Renders saliency maps: colormapped heatmaps, overlays on the input image, titled side-by-side panels, and
/// insertion/deletion curve charts. All methods return new <see cref="SKBitmap"/>s (save them with
/// <see cref="ImageIO.SavePng(SKBitmap, string)"/>); the caller owns and must dispose them. Inputs are never
/// modified or disposed.
/// </summary>
public static class SaliencyRenderer
{
    private static readonly SKSamplingOptions Smooth = new(SKFilterMode.Linear, SKMipmapMode.Linear);
    private static readonly SKSamplingOptions Nearest = new(SKFilterMode.Nearest, SKMipmapMode.None);

    /// <summary>
    /// Renders a saliency map as a heatmap of <paramref name="width"/> × <paramref name="height"/> pixels: the
    /// map is bilinearly upsampled with corners aligned (<c>align_corners = true</c>, as <c>MaskUpsampling</c> upsamples
    /// masks for the methods and the metric and <c>SaliencyMap.Upsample</c> does, so the picture shows what was scored),
    /// scaled to [0, 1] and colored with <paramref name="colormap"/> (high = important = bright).
    /// </summary>
    /// <param name="saliency">The map [h, w] (also [1, h, w] or [1, 1, h, w]), any floating dtype, any device.</param>
    /// <param name="width">Output width in pixels (1..65535).</param>
    /// <param name="height">Output height in pixels (1..65535).</param>
    /// <param name="colormap">The colormap; <see langword="null"/> means <see cref="Colormap.Viridis"/>.</param>
    /// <param name="scaling">How values are brought to [0, 1]; default min-max.</param>
    /// <returns>An opaque RGBA bitmap. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">Wrong shape/dtype, NaN or infinite values, or invalid size.</exception>
    public static SKBitmap Heatmap(Tensor saliency, int width, int height, Colormap? colormap = null, HeatmapScaling scaling = HeatmapScaling.MinMax)
        => Heatmap(ToArray(saliency, nameof(saliency)), width, height, colormap, scaling);

    /// <summary>Tensor-free overload of <see cref="Heatmap(Tensor, int, int, Colormap?, HeatmapScaling)"/>:
    /// <paramref name="saliency"/> is indexed [row, column].</summary>
    /// <param name="saliency">The map [h, w]; finite values.</param>
    /// <param name="width">Output width in pixels (1..65535).</param>
    /// <param name="height">Output height in pixels (1..65535).</param>
    /// <param name="colormap">The colormap; <see langword="null"/> means <see cref="Colormap.Viridis"/>.</param>
    /// <param name="scaling">How values are brought to [0, 1]; default min-max.</param>
    /// <returns>An opaque RGBA bitmap. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">Empty map, NaN or infinite values, or invalid size.</exception>
    public static SKBitmap Heatmap(float[,] saliency, int width, int height, Colormap? colormap = null, HeatmapScaling scaling = HeatmapScaling.MinMax)
    {
        ArgumentNullException.ThrowIfNull(saliency);
        CheckSize(width, nameof(width));
        CheckSize(height, nameof(height));
        if (!Enum.IsDefined(scaling))
        {
            throw new ArgumentOutOfRangeException(nameof(scaling), scaling, "Unknown heatmap scaling.");
        }

        int h = saliency.GetLength(0), w = saliency.GetLength(1);
        if (h == 0 || w == 0)
        {
            throw new ArgumentException("The saliency map is empty.", nameof(saliency));
        }

        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in saliency)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("The saliency map contains NaN or infinite values.", nameof(saliency));
            }

            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        float offset = scaling == HeatmapScaling.MinMax ? min : 0f;
        float scale = scaling == HeatmapScaling.MinMax ? (max > min ? 1f / (max - min) : 0f) : 1f;
        colormap ??= Colormap.Viridis;

        // Precompute the source coordinates of each output column and row (align_corners = true, as MaskUpsampling).
        var (x0, x1, fx) = Taps(w, width);
        var (y0, y1, fy) = Taps(h, height);
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        for (int y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * bitmap.RowBytes, width * 4);
            for (int x = 0; x < width; x++)
            {
                float top = saliency[y0[y], x0[x]] + (fx[x] * (saliency[y0[y], x1[x]] - saliency[y0[y], x0[x]]));
                float bottom = saliency[y1[y], x0[x]] + (fx[x] * (saliency[y1[y], x1[x]] - saliency[y1[y], x0[x]]));
                float value = (top + (fy[y] * (bottom - top)) - offset) * scale;
                var color = colormap.Map(value);
                row[x * 4] = color.Red;
                row[(x * 4) + 1] = color.Green;
                row[(x * 4) + 2] = color.Blue;
                row[(x * 4) + 3] = 255;
            }
        }

        bitmap.NotifyPixelsChanged();
        return bitmap;
    }

    /// <summary>
    /// Blends a heatmap over an image: <c>(1 - opacity) * image + opacity * heatmap</c>. The heatmap is resized
    /// (bilinear) to the image size if needed; a grayscale image is shown as gray RGB.
    /// </summary>
    /// <param name="image">The image (any color type).</param>
    /// <param name="heatmap">The heatmap, e.g. from <see cref="Heatmap(Tensor, int, int, Colormap?, HeatmapScaling)"/>.</param>
    /// <param name="opacity">Heatmap weight in [0, 1]; default 0.5.</param>
    /// <returns>An opaque RGBA bitmap of the image's size. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">Empty bitmaps or opacity outside [0, 1].</exception>
    public static SKBitmap Overlay(SKBitmap image, SKBitmap heatmap, float opacity = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(heatmap);
        CheckBitmap(image, nameof(image));
        CheckBitmap(heatmap, nameof(heatmap));
        if (!(opacity >= 0f && opacity <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(opacity), opacity, "Opacity must be in [0, 1].");
        }

        var result = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(result);
        canvas.Clear(SKColors.Black);
        using var imageAsImage = SKImage.FromBitmap(image);
        using var heatAsImage = SKImage.FromBitmap(heatmap);
        var rect = new SKRect(0, 0, image.Width, image.Height);
        canvas.DrawImage(imageAsImage, rect, Smooth);
        using var paint = new SKPaint { Color = SKColors.White.WithAlpha((byte)MathF.Round(opacity * 255f)) };
        canvas.DrawImage(heatAsImage, rect, Smooth, paint);
        canvas.Flush();
        return result;
    }

    /// <summary>
    /// Convenience: renders <paramref name="saliency"/> at the size of <paramref name="image"/> and overlays it.
    /// </summary>
    /// <param name="image">The image tensor [C, H, W] or [H, W] (see <see cref="ImageIO.ToBitmap"/>).</param>
    /// <param name="saliency">The map [h, w] (or [1, h, w], [1, 1, h, w]).</param>
    /// <param name="opacity">Heatmap weight in [0, 1]; default 0.5.</param>
    /// <param name="denormalize">Statistics the image was normalized with, to map it back for display.</param>
    /// <param name="colormap">The colormap; <see langword="null"/> means viridis.</param>
    /// <returns>An opaque bitmap of the image's size. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">See the overloads used.</exception>
    public static SKBitmap Overlay(Tensor image, Tensor saliency, float opacity = 0.5f, ImageNormalization? denormalize = null, Colormap? colormap = null)
    {
        using var bitmap = ImageIO.ToBitmap(image, denormalize);
        using var heat = Heatmap(saliency, bitmap.Width, bitmap.Height, colormap);
        return Overlay(bitmap, heat, opacity);
    }

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

    /// <summary>
    /// Draws the insertion and deletion curves on one chart: x is the fraction of mask cells inserted or deleted
    /// (0..1, the points are spread evenly), y is the class score in [0, 1]. The legend shows each curve's area
    /// under the curve.
    /// </summary>
    /// <param name="insertion">Insertion scores (at least 2 points, finite, in [0, 1]).</param>
    /// <param name="deletion">Deletion scores (at least 2 points, finite, in [0, 1]).</param>
    /// <param name="insertionAuc">AUC to print for insertion; <see langword="null"/> computes it with the trapezoidal rule on [0, 1].</param>
    /// <param name="deletionAuc">AUC to print for deletion; <see langword="null"/> computes it likewise.</param>
    /// <param name="options">Size and title; <see langword="null"/> means defaults.</param>
    /// <returns>An opaque chart bitmap. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">Fewer than 2 points, or values that are not finite or outside [0, 1].</exception>
    public static SKBitmap CurveChart(IReadOnlyList<double> insertion, IReadOnlyList<double> deletion, double? insertionAuc = null, double? deletionAuc = null, CurveChartOptions? options = null)
    {
        CheckCurve(insertion, nameof(insertion));
        CheckCurve(deletion, nameof(deletion));
        if (insertion.Count != deletion.Count)
        {
            throw new ArgumentException($"The curves have {insertion.Count} and {deletion.Count} points; they need the same number.", nameof(deletion));
        }

        var fractions = Enumerable.Range(0, insertion.Count).Select(i => (double)i / (insertion.Count - 1)).ToArray();
        return Chart(fractions, insertion, deletion, insertionAuc ?? InsertionDeletionResult.AreaUnderCurve(fractions, insertion),
            deletionAuc ?? InsertionDeletionResult.AreaUnderCurve(fractions, deletion), options ?? CurveChartOptions.Default);
    }

    /// <summary>
    /// Draws the insertion and deletion curves of a metric result at their true fractions of cells, with its AUCs.
    /// </summary>
    /// <param name="result">The metric's result for one map.</param>
    /// <param name="options">Size and title; <see langword="null"/> means defaults.</param>
    /// <returns>An opaque chart bitmap. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="result"/> is null.</exception>
    public static SKBitmap CurveChart(InsertionDeletionResult result, CurveChartOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        CheckCurve(result.InsertionCurve, nameof(result));
        CheckCurve(result.DeletionCurve, nameof(result));
        return Chart(result.Fractions, result.InsertionCurve, result.DeletionCurve, result.InsertionAuc, result.DeletionAuc,
            options ?? CurveChartOptions.Default);
    }

    private static SKBitmap Chart(IReadOnlyList<double> fractions, IReadOnlyList<double> insertion, IReadOnlyList<double> deletion,
        double insertionAuc, double deletionAuc, CurveChartOptions options)
    {
        int width = options.Width, height = options.Height;
        float fontSize = Math.Max(10f, height / 28f);
        using var font = Fonts.Create(fontSize);
        using var small = Fonts.Create(fontSize * 0.85f);
        float left = fontSize * 4.2f, right = fontSize * 1.5f;
        float top = string.IsNullOrEmpty(options.Title) ? fontSize * 1.2f : fontSize * 2.6f;
        float bottom = fontSize * 3.6f;
        var plot = new SKRect(left, top, width - right, height - bottom);

        var result = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(result);
        canvas.Clear(SKColors.White);
        using var black = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        using var grid = new SKPaint { Color = new SKColor(0xDD, 0xDD, 0xDD), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, Style = SKPaintStyle.Stroke, IsAntialias = true };

        for (int t = 0; t <= 4; t++)
        {
            float v = t / 4f;
            float x = plot.Left + (v * plot.Width), y = plot.Bottom - (v * plot.Height);
            canvas.DrawLine(x, plot.Top, x, plot.Bottom, grid);
            canvas.DrawLine(plot.Left, y, plot.Right, y, grid);
            string label = v.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
            canvas.DrawText(label, x, plot.Bottom + (fontSize * 1.3f), SKTextAlign.Center, small, black);
            canvas.DrawText(label, plot.Left - (fontSize * 0.4f), y + (fontSize * 0.3f), SKTextAlign.Right, small, black);
        }

        canvas.DrawRect(plot, axis);
        canvas.DrawText(options.XLabel, plot.MidX, height - (fontSize * 0.8f), SKTextAlign.Center, font, black);
        canvas.Save();
        canvas.RotateDegrees(-90, fontSize * 1.1f, plot.MidY);
        canvas.DrawText(options.YLabel, fontSize * 1.1f, plot.MidY, SKTextAlign.Center, font, black);
        canvas.Restore();
        if (!string.IsNullOrEmpty(options.Title))
        {
            canvas.DrawText(options.Title, width / 2f, fontSize * 1.6f, SKTextAlign.Center, font, black);
        }

        var insertionColor = new SKColor(0x1F, 0x77, 0xB4);
        var deletionColor = new SKColor(0xD6, 0x27, 0x28);
        DrawCurve(canvas, plot, fractions, insertion, insertionColor);
        DrawCurve(canvas, plot, fractions, deletion, deletionColor);

        // Legend in the upper right corner, on a white box so the curves do not hide it.
        string[] labels =
        {
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Insertion (AUC {insertionAuc:0.000})"),
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Deletion (AUC {deletionAuc:0.000})"),
        };
        float lineLen = fontSize * 1.8f;
        float textWidth = labels.Max(l => font.MeasureText(l));
        float boxWidth = lineLen + textWidth + (fontSize * 1.5f);
        float boxHeight = fontSize * 3.4f;
        var box = SKRect.Create(plot.Right - boxWidth - (fontSize * 0.5f), plot.Top + (fontSize * 0.5f), boxWidth, boxHeight);
        using var boxFill = new SKPaint { Color = SKColors.White.WithAlpha(230), Style = SKPaintStyle.Fill };
        using var boxStroke = new SKPaint { Color = new SKColor(0xAA, 0xAA, 0xAA), Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(box, boxFill);
        canvas.DrawRect(box, boxStroke);
        var colors = new[] { insertionColor, deletionColor };
        for (int i = 0; i < 2; i++)
        {
            float y = box.Top + (fontSize * (1.1f + (1.4f * i)));
            using var pen = new SKPaint { Color = colors[i], StrokeWidth = 3, Style = SKPaintStyle.Stroke, IsAntialias = true };
            canvas.DrawLine(box.Left + (fontSize * 0.5f), y, box.Left + (fontSize * 0.5f) + lineLen, y, pen);
            canvas.DrawText(labels[i], box.Left + lineLen + fontSize, y + (fontSize * 0.35f), SKTextAlign.Left, font, black);
        }

        canvas.Flush();
        return result;
    }

    private static void DrawCurve(SKCanvas canvas, SKRect plot, IReadOnlyList<double> fractions, IReadOnlyList<double> curve, SKColor color)
    {
        using var path = new SKPath();
        for (int i = 0; i < curve.Count; i++)
        {
            float x = plot.Left + (plot.Width * (float)fractions[i]);
            float y = plot.Bottom - (plot.Height * (float)curve[i]);
            if (i == 0)
            {
                path.MoveTo(x, y);
            }
            else
            {
                path.LineTo(x, y);
            }
        }

        using var pen = new SKPaint { Color = color, StrokeWidth = 2.5f, Style = SKPaintStyle.Stroke, IsAntialias = true, StrokeJoin = SKStrokeJoin.Round };
        canvas.DrawPath(path, pen);
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

    private static (int[] Lo, int[] Hi, float[] Frac) Taps(int inSize, int outSize)
    {
        var lo = new int[outSize];
        var hi = new int[outSize];
        var frac = new float[outSize];
        // align_corners = true: the first and last output pixels sit on the first and last cells, as MaskUpsampling.
        float ratio = outSize > 1 ? (float)(inSize - 1) / (outSize - 1) : 0f;
        for (int i = 0; i < outSize; i++)
        {
            float src = i * ratio;
            int i0 = Math.Min((int)src, inSize - 1);
            lo[i] = i0;
            hi[i] = Math.Min(i0 + 1, inSize - 1);
            frac[i] = src - i0;
        }

        return (lo, hi, frac);
    }

    private static float[,] ToArray(Tensor saliency, string paramName)
    {
        ArgumentNullException.ThrowIfNull(saliency, paramName);
        var shape = saliency.shape;
        bool ok = shape.Length >= 2 && shape.Length <= 4 && shape.Take(shape.Length - 2).All(d => d == 1);
        if (!ok || saliency.numel() == 0)
        {
            throw new ArgumentException($"Expected a saliency map [h,w], [1,h,w] or [1,1,h,w] but received [{string.Join(',', shape)}].", paramName);
        }

        if (!saliency.is_floating_point())
        {
            throw new ArgumentException($"Expected a floating-point saliency map but received dtype {saliency.dtype}.", paramName);
        }

        int h = (int)shape[^2], w = (int)shape[^1];
        using var scope = torch.NewDisposeScope();
        var values = saliency.detach().cpu().to(ScalarType.Float32).reshape(h, w).contiguous().data<float>().ToArray();
        var result = new float[h, w];
        Buffer.BlockCopy(values, 0, result, 0, values.Length * sizeof(float));
        return result;
    }

    private static void CheckSize(int size, string paramName)
    {
        if (size is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(paramName, size, "Size must be in 1..65535 pixels.");
        }
    }

    private static void CheckBitmap(SKBitmap? bitmap, string paramName)
    {
        if (bitmap is null)
        {
            throw new ArgumentNullException(paramName);
        }

        if (bitmap.Width == 0 || bitmap.Height == 0 || bitmap.IsNull)
        {
            throw new ArgumentException("The bitmap is empty.", paramName);
        }
    }

    private static void CheckCurve(IReadOnlyList<double> curve, string paramName)
    {
        ArgumentNullException.ThrowIfNull(curve, paramName);
        if (curve.Count < 2)
        {
            throw new ArgumentException($"A curve needs at least 2 points but received {curve.Count}.", paramName);
        }

        for (int i = 0; i < curve.Count; i++)
        {
            if (!(curve[i] >= 0 && curve[i] <= 1))
            {
                throw new ArgumentException($"Curve values must be finite and in [0, 1], but point {i} is {curve[i]}.", paramName);
            }
        }
    }
}

/// <summary>How <see cref="SaliencyRenderer.Heatmap(Tensor, int, int, Colormap?, HeatmapScaling)"/> maps values to [0, 1].</summary>
public enum HeatmapScaling
{
    /// <summary>Min-max: the smallest value becomes 0 and the largest 1 (a constant map renders as 0).</summary>
    MinMax,

    /// <summary>Values are taken as already in [0, 1] (masks, probabilities) and clamped.</summary>
    Clamp,
}

/// <summary>Layout of <see cref="SaliencyRenderer.Panel"/>.</summary>
public sealed record PanelOptions
{
    private readonly int _tileSize = 224;
    private readonly int _spacing = 8;
    private readonly float _fontSize = 16f;

    /// <summary>The defaults: 224-pixel tiles, 8-pixel spacing, 16-pixel titles.</summary>
    public static PanelOptions Default { get; } = new();

    /// <summary>Side of the square each tile is fitted into, in pixels (16..4096). Default 224.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 16..4096.</exception>
    public int TileSize
    {
        get => _tileSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 16, nameof(TileSize));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 4096, nameof(TileSize));
            _tileSize = value;
        }
    }

    /// <summary>Space between and around tiles, in pixels (0..256). Default 8.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 0..256.</exception>
    public int Spacing
    {
        get => _spacing;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(Spacing));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 256, nameof(Spacing));
            _spacing = value;
        }
    }

    /// <summary>Title font size in pixels (6..128). Default 16.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 6..128 or NaN.</exception>
    public float FontSize
    {
        get => _fontSize;
        init
        {
            if (!(value >= 6f && value <= 128f))
            {
                throw new ArgumentOutOfRangeException(nameof(FontSize), value, "Font size must be in 6..128 pixels.");
            }

            _fontSize = value;
        }
    }
}

/// <summary>Appearance of the <c>SaliencyRenderer.CurveChart</c> overloads.</summary>
public sealed record CurveChartOptions
{
    private readonly int _width = 640;
    private readonly int _height = 420;
    private readonly string _title = string.Empty;
    private readonly string _xLabel = "Fraction of cells";
    private readonly string _yLabel = "Score";

    /// <summary>The defaults: 640 × 420 pixels, no title.</summary>
    public static CurveChartOptions Default { get; } = new();

    /// <summary>Chart width in pixels (200..8192). Default 640.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 200..8192.</exception>
    public int Width
    {
        get => _width;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 200, nameof(Width));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 8192, nameof(Width));
            _width = value;
        }
    }

    /// <summary>Chart height in pixels (150..8192). Default 420.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 150..8192.</exception>
    public int Height
    {
        get => _height;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 150, nameof(Height));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 8192, nameof(Height));
            _height = value;
        }
    }

    /// <summary>Title drawn above the plot; empty for none. Default empty.</summary>
    /// <exception cref="ArgumentNullException">Null.</exception>
    public string Title
    {
        get => _title;
        init => _title = value ?? throw new ArgumentNullException(nameof(Title));
    }

    /// <summary>X axis label. Default "Fraction of cells".</summary>
    /// <exception cref="ArgumentNullException">Null.</exception>
    public string XLabel
    {
        get => _xLabel;
        init => _xLabel = value ?? throw new ArgumentNullException(nameof(XLabel));
    }

    /// <summary>Y axis label. Default "Score".</summary>
    /// <exception cref="ArgumentNullException">Null.</exception>
    public string YLabel
    {
        get => _yLabel;
        init => _yLabel = value ?? throw new ArgumentNullException(nameof(YLabel));
    }
}
