using System.Buffers.Binary;
using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Samples;

/// <summary>
/// Reads files in the idx format used by MNIST and Fashion-MNIST (for example <c>t10k-images-idx3-ubyte.gz</c>),
/// gzip-compressed or not; compression is detected from the content (the gzip magic bytes), not the file name.
/// </summary>
/// <remarks>
/// An idx file starts with a 4-byte magic number <c>00 00 TT DD</c> (TT = element type, DD = number of dimensions),
/// followed by DD big-endian 32-bit dimension sizes and the elements in row-major order. Only unsigned-byte
/// elements (TT = 0x08) are supported, which is what the image and label files of both datasets use.
/// Malformed files (bad magic, unsupported element type, wrong rank, truncated data, corrupt gzip stream) are
/// reported with an <see cref="InvalidDataException"/> whose message names the file and the problem.
/// </remarks>
public static class IdxReader
{
    private const byte UnsignedByteType = 0x08;
    private const int ChunkSize = 1 << 20;

    /// <summary>
    /// Reads an idx3-ubyte image file into a <see cref="ScalarType.Byte"/> tensor of shape [N, rows, columns]
    /// with values in 0..255.
    /// </summary>
    /// <param name="path">Path of the idx3 file, optionally gzip-compressed.</param>
    /// <param name="count">Read only the first <paramref name="count"/> images (the file may hold more);
    /// <see langword="null"/> reads all of them. Must be positive and at most the number of images in the file.</param>
    /// <returns>The images as an uint8 tensor [N, rows, columns] on the CPU. The caller owns the returned tensor
    /// and must dispose it.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or <paramref name="count"/> is not positive.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid idx3-ubyte file or holds fewer than
    /// <paramref name="count"/> images.</exception>
    public static Tensor ReadImages(string path, int? count = null)
    {
        var (dims, data) = Read(path, expectedRank: 3, count);
        return torch.tensor(data, new long[] { dims[0], dims[1], dims[2] }, ScalarType.Byte);
    }

    /// <summary>
    /// Reads an idx1-ubyte label file into an <see cref="ScalarType.Int64"/> tensor of shape [N]
    /// (the dtype that <c>cross_entropy</c> and comparisons with <c>argmax</c> expect).
    /// </summary>
    /// <param name="path">Path of the idx1 file, optionally gzip-compressed.</param>
    /// <param name="count">Read only the first <paramref name="count"/> labels; <see langword="null"/> reads all.
    /// Must be positive and at most the number of labels in the file.</param>
    /// <returns>The labels as an int64 tensor [N] on the CPU. The caller owns the returned tensor and must dispose it.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or <paramref name="count"/> is not positive.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid idx1-ubyte file or holds fewer than
    /// <paramref name="count"/> labels.</exception>
    public static Tensor ReadLabels(string path, int? count = null)
    {
        var (dims, data) = Read(path, expectedRank: 1, count);
        using var scope = torch.NewDisposeScope();
        return torch.tensor(data, new long[] { dims[0] }, ScalarType.Byte).to(ScalarType.Int64).MoveToOuterDisposeScope();
    }

    private static (long[] Dims, byte[] Data) Read(string path, int expectedRank, int? count)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (count is { } c)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(c, nameof(count));
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"idx file '{path}' does not exist.", path);
        }

        using var file = File.OpenRead(path);
        try
        {
            using var stream = IsGzip(file) ? (Stream)new GZipStream(file, CompressionMode.Decompress) : file;
            return ReadContent(stream, path, expectedRank, count);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("idx file", StringComparison.Ordinal))
        {
            // GZipStream reports corrupt compressed data with its own InvalidDataException; name the file.
            throw new InvalidDataException($"idx file '{path}': corrupt gzip data ({e.Message}).", e);
        }
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> head = stackalloc byte[2];
        int read = file.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && head[0] == 0x1f && head[1] == 0x8b;
    }

    private static (long[] Dims, byte[] Data) ReadContent(Stream stream, string path, int expectedRank, int? count)
    {
        Span<byte> magic = stackalloc byte[4];
        if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4)
        {
            throw Invalid(path, "the file is shorter than the 4-byte magic number");
        }

        if (magic[0] != 0 || magic[1] != 0)
        {
            throw Invalid(path, $"bad magic number 0x{magic[0]:X2}{magic[1]:X2}{magic[2]:X2}{magic[3]:X2} (expected 0x0000TTDD)");
        }

        if (magic[2] != UnsignedByteType)
        {
            throw Invalid(path, $"unsupported element type 0x{magic[2]:X2} (only unsigned byte, 0x08, is supported)");
        }

        if (magic[3] != expectedRank)
        {
            throw Invalid(path, $"expected a {expectedRank}-dimensional idx file (idx{expectedRank}) but the header declares {magic[3]} dimensions");
        }

        var dims = new long[expectedRank];
        Span<byte> dimBytes = stackalloc byte[4];
        for (int i = 0; i < expectedRank; i++)
        {
            if (stream.ReadAtLeast(dimBytes, 4, throwOnEndOfStream: false) < 4)
            {
                throw Invalid(path, "truncated header (dimension sizes missing)");
            }

            dims[i] = BinaryPrimitives.ReadUInt32BigEndian(dimBytes);
            if (dims[i] == 0 || dims[i] > int.MaxValue)
            {
                throw Invalid(path, $"dimension {i} has invalid size {dims[i]}");
            }
        }

        if (count is { } wanted)
        {
            if (wanted > dims[0])
            {
                throw Invalid(path, $"{wanted} items were requested but the file holds only {dims[0]}");
            }

            dims[0] = wanted;
        }

        long total = 1;
        foreach (long d in dims)
        {
            total *= d;
            if (total > Array.MaxLength)
            {
                throw Invalid(path, $"declared size {string.Join('x', dims)} is too large");
            }
        }

        // Read in chunks so that a header declaring a huge size cannot make us allocate it before the data proves it.
        using var buffer = new MemoryStream();
        var chunk = new byte[(int)Math.Min(ChunkSize, total)];
        long remaining = total;
        while (remaining > 0)
        {
            int read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, remaining));
            if (read == 0)
            {
                throw Invalid(path, $"truncated data: expected {total} bytes of elements but found {total - remaining}");
            }

            buffer.Write(chunk, 0, read);
            remaining -= read;
        }

        return (dims, buffer.ToArray());
    }

    private static InvalidDataException Invalid(string path, string reason) => new($"idx file '{path}': {reason}.");
}
