using System.IO.Compression;

namespace IGOSpp.Tests.Onnx;

/// <summary>Reads a few Fashion-MNIST test images (gzip idx3 format) for the real-model tests. Private to the tests.</summary>
internal static class FashionMnistImages
{
    public const string TestImagesPath = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

    /// <summary>Returns the first <paramref name="count"/> images as 28x28 byte arrays (row-major).</summary>
    public static byte[][] ReadFirst(int count)
    {
        using var file = File.OpenRead(TestImagesPath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        var header = new byte[16];
        gzip.ReadExactly(header);
        var magic = ReadBigEndian(header, 0);
        var total = ReadBigEndian(header, 4);
        var rows = ReadBigEndian(header, 8);
        var cols = ReadBigEndian(header, 12);
        if (magic != 0x00000803 || rows != 28 || cols != 28 || total < count)
        {
            throw new InvalidDataException($"'{TestImagesPath}' is not a Fashion-MNIST idx3 image file.");
        }

        var images = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            images[i] = new byte[rows * cols];
            gzip.ReadExactly(images[i]);
        }

        return images;
    }

    private static int ReadBigEndian(byte[] bytes, int offset) =>
        (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];
}
