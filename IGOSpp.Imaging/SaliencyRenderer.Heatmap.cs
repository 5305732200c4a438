using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Imaging;

public static partial class SaliencyRenderer
{
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
}
