namespace IGOSpp.Imaging;

/// <summary>Options for <see cref="ImageIO.Load(string, ImageLoadOptions?)"/> and <see cref="ImageIO.Decode"/>.</summary>
public sealed record ImageLoadOptions
{
    /// <summary>Default value of <see cref="MaxPixels"/>: 50 megapixels.</summary>
    public const long DefaultMaxPixels = 50_000_000;

    private readonly int? _channels;
    private readonly (int Width, int Height)? _resize;
    private readonly long _maxPixels = DefaultMaxPixels;

    /// <summary>The default options: channels as in the file, no resize, no normalization (values in [0, 1]),
    /// 50-megapixel limit.</summary>
    public static ImageLoadOptions Default { get; } = new();

    /// <summary>
    /// Number of channels of the result: 1 (grayscale; color is converted with ITU-R BT.601 luma weights
    /// 0.299 R + 0.587 G + 0.114 B) or 3 (RGB; grayscale is replicated). Default <see langword="null"/>: as the file
    /// (grayscale files give 1 channel, everything else 3). Alpha is always dropped.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not null, 1 or 3.</exception>
    public int? Channels
    {
        get => _channels;
        init
        {
            if (value is not (null or 1 or 3))
            {
                throw new ArgumentOutOfRangeException(nameof(Channels), value, "Channels must be null (as the file), 1 or 3.");
            }

            _channels = value;
        }
    }

    /// <summary>
    /// Output size (width, height) in pixels, resampled bilinearly (with mipmaps when shrinking).
    /// Default <see langword="null"/>: keep the file's size. Each side in 1..65535; width × height ≤ <see cref="MaxPixels"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A side is outside 1..65535.</exception>
    public (int Width, int Height)? Resize
    {
        get => _resize;
        init
        {
            if (value is { } v && (v.Width is < 1 or > 65535 || v.Height is < 1 or > 65535))
            {
                throw new ArgumentOutOfRangeException(nameof(Resize), value, "Resize width and height must be in 1..65535.");
            }

            _resize = value;
        }
    }

    /// <summary>
    /// Normalization applied after scaling pixels to [0, 1]. Default <see langword="null"/>: none, values stay in
    /// [0, 1]. Its channel count must be 1 or the result's channel count.
    /// </summary>
    public ImageNormalization? Normalization { get; init; }

    /// <summary>
    /// Largest accepted image, in pixels (width × height), checked against the dimensions declared in the file header
    /// <em>before</em> any pixel is decoded, which defuses decompression bombs. Default <see cref="DefaultMaxPixels"/>
    /// (50 megapixels, 200 MB as RGBA8). Must be ≥ 1.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public long MaxPixels
    {
        get => _maxPixels;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1L, nameof(MaxPixels));
            _maxPixels = value;
        }
    }
}
