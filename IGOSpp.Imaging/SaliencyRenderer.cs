using SkiaSharp;

namespace IGOSpp.Imaging;

/// <summary>
/// Renders saliency maps: colormapped heatmaps, overlays on the input image, titled side-by-side panels, and
/// insertion/deletion curve charts. All methods return new <see cref="SKBitmap"/>s (save them with
/// <see cref="ImageIO.SavePng(SKBitmap, string)"/>); the caller owns and must dispose them. Inputs are never
/// modified or disposed.
/// </summary>
public static partial class SaliencyRenderer
{
    private static readonly SKSamplingOptions Smooth = new(SKFilterMode.Linear, SKMipmapMode.Linear);
    private static readonly SKSamplingOptions Nearest = new(SKFilterMode.Nearest, SKMipmapMode.None);

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
}
