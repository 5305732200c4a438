using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Samples;

/// <summary>Which part of Fashion-MNIST to load.</summary>
public enum FashionMnistSplit
{
    /// <summary>The 60,000 training images (<c>train-images-idx3-ubyte</c>).</summary>
    Train,

    /// <summary>The 10,000 test images (<c>t10k-images-idx3-ubyte</c>).</summary>
    Test,
}

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28x28 grayscale images of 10 clothing classes.
/// Class names, normalization constants and a loader for the idx files.
/// </summary>
public static class FashionMnist
{
    /// <summary>Default location of the dataset files (the Debian-style path used by this project's CI machines).</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Image height and width in pixels (28).</summary>
    public const int ImageSize = 28;

    /// <summary>Mean pixel value of the training set, with pixels scaled to [0, 1] (0.2860).</summary>
    public const float Mean = 0.2860f;

    /// <summary>Standard deviation of the training set pixels, with pixels scaled to [0, 1] (0.3530).</summary>
    public const float Std = 0.3530f;

    /// <summary>The ten class names, indexed by label (0 = "T-shirt/top", ..., 9 = "Ankle boot").</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Array.AsReadOnly(new[]
    {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    });

    /// <summary>
    /// Returns the paths of the image and label files of <paramref name="split"/> in <paramref name="directory"/>,
    /// preferring the gzip-compressed names (<c>*-ubyte.gz</c>) and falling back to uncompressed ones.
    /// </summary>
    /// <param name="split">The split.</param>
    /// <param name="directory">Dataset directory; <see langword="null"/> means <see cref="DefaultDirectory"/>.</param>
    /// <returns>The two paths (which may not exist; see <see cref="IsAvailable"/>).</returns>
    public static (string Images, string Labels) GetPaths(FashionMnistSplit split, string? directory = null)
    {
        if (!Enum.IsDefined(split))
        {
            throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown Fashion-MNIST split.");
        }

        directory ??= DefaultDirectory;
        string prefix = split == FashionMnistSplit.Train ? "train" : "t10k";
        return (Pick(directory, $"{prefix}-images-idx3-ubyte"), Pick(directory, $"{prefix}-labels-idx1-ubyte"));

        static string Pick(string dir, string stem)
        {
            string gz = Path.Combine(dir, stem + ".gz");
            return File.Exists(gz) ? gz : Path.Combine(dir, stem);
        }
    }

    /// <summary>Tells whether both files of <paramref name="split"/> exist in <paramref name="directory"/>.</summary>
    /// <param name="split">The split.</param>
    /// <param name="directory">Dataset directory; <see langword="null"/> means <see cref="DefaultDirectory"/>.</param>
    /// <returns><see langword="true"/> when the image and label files exist.</returns>
    public static bool IsAvailable(FashionMnistSplit split, string? directory = null)
    {
        var (images, labels) = GetPaths(split, directory);
        return File.Exists(images) && File.Exists(labels);
    }

    /// <summary>
    /// Loads the first <paramref name="count"/> images and labels of <paramref name="split"/>.
    /// </summary>
    /// <param name="split">Train (60,000 images) or test (10,000 images).</param>
    /// <param name="count">Number of images to load from the start of the split; <see langword="null"/> loads all.</param>
    /// <param name="directory">Dataset directory; <see langword="null"/> means <see cref="DefaultDirectory"/>.</param>
    /// <returns>The images as uint8 [N, 28, 28] and labels as int64 [N]. The caller owns the returned
    /// <see cref="LabeledImages"/> and must dispose it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    /// <exception cref="FileNotFoundException">A dataset file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, the two files disagree on the number of items,
    /// or an image is not 28x28.</exception>
    public static LabeledImages Load(FashionMnistSplit split, int? count = null, string? directory = null)
    {
        if (count is { } c)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(c, nameof(count));
        }

        var (imagesPath, labelsPath) = GetPaths(split, directory);
        using var scope = torch.NewDisposeScope();
        var images = IdxReader.ReadImages(imagesPath, count);
        var labels = IdxReader.ReadLabels(labelsPath, count);
        if (images.shape[1] != ImageSize || images.shape[2] != ImageSize)
        {
            throw new InvalidDataException($"idx file '{imagesPath}': expected {ImageSize}x{ImageSize} images but found {images.shape[1]}x{images.shape[2]}.");
        }

        if (images.shape[0] != labels.shape[0])
        {
            throw new InvalidDataException($"'{imagesPath}' holds {images.shape[0]} images but '{labelsPath}' holds {labels.shape[0]} labels.");
        }

        return new LabeledImages(images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Converts uint8 images (any shape) to float32 in [0, 1] and normalizes them with <see cref="Mean"/> and
    /// <see cref="Std"/>: <c>(x / 255 - Mean) / Std</c>.
    /// </summary>
    /// <param name="images">An uint8 tensor. Not modified or disposed.</param>
    /// <returns>A float32 tensor of the same shape. The caller owns the returned tensor and must dispose it.</returns>
    /// <exception cref="ArgumentException"><paramref name="images"/> is not uint8.</exception>
    public static Tensor Normalize(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dtype != ScalarType.Byte)
        {
            throw new ArgumentException($"Expected an uint8 tensor with values 0..255 but received dtype {images.dtype}.", nameof(images));
        }

        using var scope = torch.NewDisposeScope();
        return images.to(ScalarType.Float32).div_(255f).sub_(Mean).div_(Std).MoveToOuterDisposeScope();
    }
}

/// <summary>A batch of images with their labels, as returned by <see cref="FashionMnist.Load"/>.</summary>
public sealed class LabeledImages : IDisposable
{
    internal LabeledImages(Tensor images, Tensor labels)
    {
        Images = images;
        Labels = labels;
    }

    /// <summary>The images, uint8 [N, 28, 28] with values 0..255. Owned by this object.</summary>
    public Tensor Images { get; }

    /// <summary>The labels, int64 [N] with values 0..9. Owned by this object.</summary>
    public Tensor Labels { get; }

    /// <summary>Number of images.</summary>
    public int Count => (int)Images.shape[0];

    /// <summary>Disposes <see cref="Images"/> and <see cref="Labels"/>.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
