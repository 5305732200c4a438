using System.Runtime.InteropServices;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Imaging;

/// <summary>
/// Loads image files into tensors and saves tensors as PNG files, with SkiaSharp.
/// </summary>
/// <remarks>
/// <para>Formats are recognized by content, not by file extension: PNG (8 and 16 bit), JPEG (including CMYK),
/// BMP, GIF, WebP, ICO, WBMP (whatever SkiaSharp's codecs accept). For animated GIF/WebP only the first frame is
/// loaded. Alpha is dropped (straight, unpremultiplied color is kept). Embedded color profiles are ignored:
/// values are the stored ones.</para>
/// <para>Bad content never crashes the process: it throws <see cref="ImageLoadException"/> (see docs/robustness.md
/// for the cases). Arguments are checked first and throw <see cref="ArgumentException"/> and its subclasses.</para>
/// </remarks>
public static class ImageIO
{
    private const string MemorySource = "<memory>";

    /// <summary>
    /// Loads an image file into a float32 tensor [C, H, W] with values in [0, 1] (or normalized, per
    /// <paramref name="options"/>).
    /// </summary>
    /// <param name="path">Path of the image file. The format is detected from the content.</param>
    /// <param name="options">Channels, resize, normalization, pixel limit; <see langword="null"/> means
    /// <see cref="ImageLoadOptions.Default"/>.</param>
    /// <returns>A float32 CPU tensor [C, H, W], C = 1 or 3. The caller owns the returned tensor and must dispose it.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, or the normalization does not fit
    /// the channel count.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageLoadException">The content is not a decodable image, is truncated or corrupt, or is
    /// larger than <see cref="ImageLoadOptions.MaxPixels"/>; also when the file cannot be read.</exception>
    public static Tensor Load(string path, ImageLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        }

        FileStream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageLoadException(path, $"the file cannot be read ({e.Message})", e);
        }

        using (stream)
        {
            return DecodeStream(stream, path, options ?? ImageLoadOptions.Default);
        }
    }

    /// <summary>
    /// Decodes an encoded image held in memory (the bytes of a PNG, JPEG, ... file); same result and rules as
    /// <see cref="Load(string, ImageLoadOptions?)"/>.
    /// </summary>
    /// <param name="encoded">The encoded image bytes. Not modified.</param>
    /// <param name="options">Channels, resize, normalization, pixel limit; <see langword="null"/> means defaults.</param>
    /// <returns>A float32 CPU tensor [C, H, W]. The caller owns the returned tensor and must dispose it.</returns>
    /// <exception cref="ArgumentException">The normalization does not fit the channel count.</exception>
    /// <exception cref="ImageLoadException">The bytes are not a decodable image (see <see cref="Load(string, ImageLoadOptions?)"/>).</exception>
    public static Tensor Decode(byte[] encoded, ImageLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        using var stream = new MemoryStream(encoded, writable: false);
        return DecodeStream(stream, MemorySource, options ?? ImageLoadOptions.Default);
    }

    /// <summary>
    /// Converts an image tensor to an <see cref="SKBitmap"/> (Gray8 for one channel, opaque RGBA8888 for three).
    /// </summary>
    /// <param name="image">[C, H, W] with C = 1 or 3, or [H, W]; uint8 (0..255, used as is) or float32/float64
    /// (values in [0, 1] after <paramref name="denormalize"/>; out-of-range values are clamped). Any device.
    /// Not modified or disposed.</param>
    /// <param name="denormalize">If set, the tensor is taken to be normalized with these statistics and is mapped
    /// back with <c>x * std + mean</c> first. Only for float tensors.</param>
    /// <returns>A new bitmap. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">Wrong shape, dtype, empty tensor, NaN values, or a normalization that
    /// does not fit the channel count.</exception>
    public static SKBitmap ToBitmap(Tensor image, ImageNormalization? denormalize = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (channels, height, width) = CheckImageShape(image, nameof(image));
        if (height > 65535 || width > 65535)
        {
            throw new ArgumentException($"Image sides must be at most 65535 pixels but received {width}x{height}.", nameof(image));
        }

        byte[] bytes = ToBytes(image, channels, denormalize, nameof(image));
        var bitmap = channels == 1
            ? new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque))
            : new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        int plane = width * height;
        if (channels == 1)
        {
            for (int y = 0; y < height; y++)
            {
                bytes.AsSpan(y * width, width).CopyTo(pixels.Slice(y * bitmap.RowBytes, width));
            }
        }
        else
        {
            for (int y = 0; y < height; y++)
            {
                var row = pixels.Slice(y * bitmap.RowBytes, width * 4);
                for (int x = 0; x < width; x++)
                {
                    int i = (y * width) + x;
                    row[x * 4] = bytes[i];
                    row[(x * 4) + 1] = bytes[plane + i];
                    row[(x * 4) + 2] = bytes[(2 * plane) + i];
                    row[(x * 4) + 3] = 255;
                }
            }
        }

        bitmap.NotifyPixelsChanged();
        return bitmap;
    }

    /// <summary>
    /// Saves an image tensor as a PNG file (8-bit grayscale for one channel, 8-bit RGB(A) for three).
    /// </summary>
    /// <param name="image">[C, H, W] with C = 1 or 3, or [H, W]; uint8 or float (see <see cref="ToBitmap"/>).
    /// Not modified or disposed.</param>
    /// <param name="path">Destination file; overwritten if it exists. Its directory must exist.</param>
    /// <param name="denormalize">If set, maps normalized values back with <c>x * std + mean</c> before saving.</param>
    /// <exception cref="ArgumentException">See <see cref="ToBitmap"/>; also an empty <paramref name="path"/>.</exception>
    public static void SavePng(Tensor image, string path, ImageNormalization? denormalize = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var bitmap = ToBitmap(image, denormalize);
        SavePng(bitmap, path);
    }

    /// <summary>Saves a bitmap as a PNG file.</summary>
    /// <param name="bitmap">The bitmap. Not disposed.</param>
    /// <param name="path">Destination file; overwritten if it exists. Its directory must exist.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or the bitmap is empty.</exception>
    /// <exception cref="IOException">SkiaSharp could not encode the bitmap, or the file cannot be written.</exception>
    public static void SavePng(SKBitmap bitmap, string path)
    {
        ArgumentNullException.ThrowIfNull(bitmap);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (bitmap.Width == 0 || bitmap.Height == 0)
        {
            throw new ArgumentException("The bitmap is empty.", nameof(bitmap));
        }

        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new IOException($"SkiaSharp could not encode a {bitmap.Width}x{bitmap.Height} {bitmap.ColorType} bitmap as PNG.");
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    internal static (int Channels, int Height, int Width) CheckImageShape(Tensor image, string paramName)
    {
        var shape = image.shape;
        bool ok = (shape.Length == 2) || (shape.Length == 3 && shape[0] is 1 or 3);
        if (!ok || image.numel() == 0)
        {
            throw new ArgumentException($"Expected a non-empty image tensor [C,H,W] with C = 1 or 3, or [H,W], but received [{string.Join(',', shape)}].", paramName);
        }

        if (image.dtype is not (ScalarType.Byte or ScalarType.Float32 or ScalarType.Float64 or ScalarType.Float16 or ScalarType.BFloat16))
        {
            throw new ArgumentException($"Expected an uint8 or floating-point image tensor but received dtype {image.dtype}.", paramName);
        }

        return shape.Length == 2 ? (1, (int)shape[0], (int)shape[1]) : ((int)shape[0], (int)shape[1], (int)shape[2]);
    }

    /// <summary>Returns the image as bytes in [C, H, W] order.</summary>
    private static byte[] ToBytes(Tensor image, int channels, ImageNormalization? denormalize, string paramName)
    {
        using var scope = torch.NewDisposeScope();
        var x = image.detach().cpu().reshape(channels, image.shape[^2], image.shape[^1]);
        if (x.dtype == ScalarType.Byte)
        {
            if (denormalize is not null)
            {
                throw new ArgumentException("Denormalization applies to float tensors only, but an uint8 tensor was given.", nameof(denormalize));
            }

            return x.contiguous().data<byte>().ToArray();
        }

        x = x.to(ScalarType.Float32);
        if (x.isnan().any().item<bool>())
        {
            throw new ArgumentException("The image tensor contains NaN values.", paramName);
        }

        if (denormalize is not null)
        {
            denormalize.EnsureChannels(channels, nameof(denormalize));
            var mean = torch.tensor(Enumerable.Range(0, channels).Select(denormalize.MeanOf).ToArray()).reshape(channels, 1, 1);
            var std = torch.tensor(Enumerable.Range(0, channels).Select(denormalize.StdOf).ToArray()).reshape(channels, 1, 1);
            x = x * std + mean;
        }

        return x.clamp(0f, 1f).mul(255f).round().to(ScalarType.Byte).contiguous().data<byte>().ToArray();
    }

    private static Tensor DecodeStream(Stream stream, string source, ImageLoadOptions options)
    {
        using var bitmap = DecodeBitmap(stream, source, options, out bool grayscale);
        int channels = options.Channels ?? (grayscale ? 1 : 3);
        options.Normalization?.EnsureChannels(channels, nameof(options));
        return FromBitmap(bitmap, grayscale, channels, options.Normalization);
    }

    /// <summary>Decodes (first frame), checks limits and resizes; the bitmap is Gray8 or RGBA8888 unpremultiplied.</summary>
    internal static SKBitmap DecodeBitmap(Stream stream, string source, ImageLoadOptions options, out bool grayscale)
    {
        SKCodec? codec;
        SKCodecResult createResult;
        try
        {
            codec = SKCodec.Create(stream, out createResult);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException)
        {
            throw new ImageLoadException(source, $"the content cannot be read ({e.Message})", e);
        }

        if (codec is null)
        {
            throw new ImageLoadException(source, createResult == SKCodecResult.IncompleteInput
                ? "the header is incomplete (empty or truncated file)"
                : $"unrecognized or corrupt image format ({createResult})");
        }

        using (codec)
        {
            var info = codec.Info;
            if (info.Width <= 0 || info.Height <= 0)
            {
                throw new ImageLoadException(source, $"invalid dimensions {info.Width}x{info.Height}");
            }

            long pixels = (long)info.Width * info.Height;
            if (pixels > options.MaxPixels)
            {
                throw new ImageLoadException(source, $"the header declares {info.Width}x{info.Height} = {pixels} pixels, more than MaxPixels = {options.MaxPixels}");
            }

            grayscale = info.ColorType == SKColorType.Gray8;
            var target = grayscale
                ? new SKImageInfo(info.Width, info.Height, SKColorType.Gray8, SKAlphaType.Opaque)
                : new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            var bitmap = new SKBitmap();
            try
            {
                if (!bitmap.TryAllocPixels(target))
                {
                    throw new ImageLoadException(source, $"cannot allocate {info.Width}x{info.Height} pixels");
                }

                var result = codec.GetPixels(target, bitmap.GetPixels(), new SKCodecOptions(0));
                if (result != SKCodecResult.Success)
                {
                    throw new ImageLoadException(source, result == SKCodecResult.IncompleteInput
                        ? "the pixel data is truncated (incomplete input)"
                        : $"the pixel data cannot be decoded ({result})");
                }

                bitmap.NotifyPixelsChanged();
                if (options.Resize is { } size && (size.Width != info.Width || size.Height != info.Height))
                {
                    if ((long)size.Width * size.Height > options.MaxPixels)
                    {
                        throw new ArgumentException($"Resize {size.Width}x{size.Height} exceeds MaxPixels = {options.MaxPixels}.", nameof(options));
                    }

                    var resized = bitmap.Resize(
                        new SKImageInfo(size.Width, size.Height, target.ColorType, target.AlphaType),
                        new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear))
                        ?? throw new ImageLoadException(source, $"resizing to {size.Width}x{size.Height} failed");
                    bitmap.Dispose();
                    bitmap = resized;
                }

                return bitmap;
            }
            catch
            {
                bitmap.Dispose();
                throw;
            }
        }
    }

    private static Tensor FromBitmap(SKBitmap bitmap, bool grayscale, int channels, ImageNormalization? normalization)
    {
        int width = bitmap.Width;
        int height = bitmap.Height;
        int plane = width * height;
        var values = new float[channels * plane];
        var pixels = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes;
        const float Scale = 1f / 255f;
        for (int y = 0; y < height; y++)
        {
            var row = pixels.Slice(y * rowBytes);
            for (int x = 0; x < width; x++)
            {
                int i = (y * width) + x;
                if (grayscale)
                {
                    float g = row[x] * Scale;
                    for (int c = 0; c < channels; c++)
                    {
                        values[(c * plane) + i] = g;
                    }
                }
                else
                {
                    float r = row[x * 4] * Scale, gr = row[(x * 4) + 1] * Scale, b = row[(x * 4) + 2] * Scale;
                    if (channels == 1)
                    {
                        values[i] = (0.299f * r) + (0.587f * gr) + (0.114f * b);
                    }
                    else
                    {
                        values[i] = r;
                        values[plane + i] = gr;
                        values[(2 * plane) + i] = b;
                    }
                }
            }
        }

        if (normalization is not null)
        {
            for (int c = 0; c < channels; c++)
            {
                float mean = normalization.MeanOf(c);
                float invStd = 1f / normalization.StdOf(c);
                var span = values.AsSpan(c * plane, plane);
                for (int i = 0; i < span.Length; i++)
                {
                    span[i] = (span[i] - mean) * invStd;
                }
            }
        }

        return torch.tensor(values, new long[] { channels, height, width });
    }
}
