namespace IGOSpp.Imaging;

/// <summary>
/// Per-channel normalization <c>(x - mean) / std</c> applied to pixel values already scaled to [0, 1].
/// Use a preset (<see cref="ImageNet"/>, <see cref="FashionMnist"/>) or the constructor for custom values.
/// </summary>
public sealed record ImageNormalization
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates a normalization.</summary>
    /// <param name="mean">One mean per channel, or a single value used for every channel. Finite.</param>
    /// <param name="std">One standard deviation per channel (same count as <paramref name="mean"/>), or a single
    /// value used for every channel. Finite and &gt; 0.</param>
    /// <exception cref="ArgumentException">Empty, mismatched lengths, non-finite values or non-positive std.</exception>
    public ImageNormalization(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0)
        {
            throw new ArgumentException("At least one mean value is required.", nameof(mean));
        }

        if (std.Count != mean.Count)
        {
            throw new ArgumentException($"Expected {mean.Count} std values (one per mean value) but received {std.Count}.", nameof(std));
        }

        if (mean.Any(m => !float.IsFinite(m)))
        {
            throw new ArgumentException("Mean values must be finite.", nameof(mean));
        }

        if (std.Any(s => !float.IsFinite(s) || s <= 0f))
        {
            throw new ArgumentException("Std values must be finite and greater than 0.", nameof(std));
        }

        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    /// <summary>ImageNet statistics used by torchvision's pretrained models: mean (0.485, 0.456, 0.406),
    /// std (0.229, 0.224, 0.225). For RGB images.</summary>
    public static ImageNormalization ImageNet { get; } = new(new[] { 0.485f, 0.456f, 0.406f }, new[] { 0.229f, 0.224f, 0.225f });

    /// <summary>Fashion-MNIST training-set statistics: mean 0.2860, std 0.3530 (used by the samples' <c>FashionMnistNet</c>).
    /// For grayscale images.</summary>
    public static ImageNormalization FashionMnist { get; } = new(new[] { 0.2860f }, new[] { 0.3530f });

    /// <summary>The per-channel means (one value means: the same for all channels).</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>The per-channel standard deviations (one value means: the same for all channels).</summary>
    public IReadOnlyList<float> Std => _std;

    /// <summary>Mean of channel <paramref name="channel"/>.</summary>
    internal float MeanOf(int channel) => _mean.Length == 1 ? _mean[0] : _mean[channel];

    /// <summary>Std of channel <paramref name="channel"/>.</summary>
    internal float StdOf(int channel) => _std.Length == 1 ? _std[0] : _std[channel];

    /// <summary>Checks that this normalization applies to <paramref name="channels"/> channels.</summary>
    internal void EnsureChannels(int channels, string paramName)
    {
        if (_mean.Length != 1 && _mean.Length != channels)
        {
            throw new ArgumentException($"The normalization has {_mean.Length} channel values but the image has {channels} channels.", paramName);
        }
    }

    /// <inheritdoc />
    public bool Equals(ImageNormalization? other) =>
        other is not null && _mean.AsSpan().SequenceEqual(other._mean) && _std.AsSpan().SequenceEqual(other._std);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (float m in _mean)
        {
            hash.Add(m);
        }

        foreach (float s in _std)
        {
            hash.Add(s);
        }

        return hash.ToHashCode();
    }
}
