using System.IO.Compression;

namespace IGOSpp.Samples.ResNetHead;

/// <summary>
/// A minimal reader of the gzip idx files of Fashion-MNIST (16-byte image header, 8-byte label header, big-endian
/// counts, 28×28 uint8 pixels). Private to this sample.
/// </summary>
internal static class FashionMnistReader
{
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Reads the first <paramref name="count"/> images (28×28 bytes each, row-major) and their labels.</summary>
    public static (byte[] Pixels, long[] Labels) Read(string directory, bool train, int count)
    {
        var prefix = train ? "train" : "t10k";
        var imagesPath = Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz");
        var labelsPath = Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz");

        using var imageStream = Open(imagesPath, 16, out var imageHeader);
        if (ReadBigEndian(imageHeader, 0) != 0x00000803 || ReadBigEndian(imageHeader, 8) != 28 || ReadBigEndian(imageHeader, 12) != 28)
            throw new InvalidDataException($"'{imagesPath}' is not a 28×28 idx3 image file.");
        if (ReadBigEndian(imageHeader, 4) < count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"'{imagesPath}' holds only {ReadBigEndian(imageHeader, 4)} images.");
        var pixels = new byte[count * 28 * 28];
        imageStream.ReadExactly(pixels);

        using var labelStream = Open(labelsPath, 8, out var labelHeader);
        if (ReadBigEndian(labelHeader, 0) != 0x00000801 || ReadBigEndian(labelHeader, 4) < count)
            throw new InvalidDataException($"'{labelsPath}' is not an idx1 label file with at least {count} labels.");
        var labelBytes = new byte[count];
        labelStream.ReadExactly(labelBytes);
        return (pixels, labelBytes.Select(b => (long)b).ToArray());
    }

    private static GZipStream Open(string path, int headerLength, out byte[] header)
    {
        var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        header = new byte[headerLength];
        gzip.ReadExactly(header);
        return gzip;
    }

    private static int ReadBigEndian(byte[] bytes, int offset) =>
        (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
}
