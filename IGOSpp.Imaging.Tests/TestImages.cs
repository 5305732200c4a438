using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NUnit.Framework;
using SkiaSharp;

namespace IGOSpp.Tests.Imaging;

/// <summary>Builds small images in memory: hand-assembled PNGs (any bit depth, any declared size) and
/// SkiaSharp-encoded PNG/JPEG/WebP.</summary>
internal static class TestImages
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    internal static string FixturePath(string name) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name);

    /// <summary>Assembles a PNG: signature, IHDR, one IDAT with the zlib-compressed <paramref name="scanlines"/>
    /// (each row already prefixed with its filter byte), IEND.</summary>
    internal static byte[] Png(int width, int height, byte bitDepth, byte colorType, byte[] scanlines)
    {
        using var ms = new MemoryStream();
        ms.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
        var ihdr = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr.AsSpan(4), (uint)height);
        ihdr[8] = bitDepth;
        ihdr[9] = colorType;
        WriteChunk(ms, "IHDR", ihdr);
        using (var compressed = new MemoryStream())
        {
            using (var z = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                z.Write(scanlines);
            }

            WriteChunk(ms, "IDAT", compressed.ToArray());
        }

        WriteChunk(ms, "IEND", Array.Empty<byte>());
        return ms.ToArray();
    }

    /// <summary>A PNG whose header declares <paramref name="width"/> x <paramref name="height"/> but whose data is a
    /// single tiny row (a "decompression bomb" header).</summary>
    internal static byte[] PngWithDeclaredSize(int width, int height) =>
        Png(width, height, 8, 0, new byte[] { 0, 1, 2, 3 });

    /// <summary>A smooth RGB gradient with some structure, encoded by SkiaSharp.</summary>
    internal static byte[] Encoded(SKEncodedImageFormat format, int width, int height, int quality = 90)
    {
        using var bitmap = Gradient(width, height);
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    internal static SKBitmap Gradient(int width, int height)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                bitmap.SetPixel(x, y, new SKColor((byte)(x * 255 / Math.Max(1, width - 1)), (byte)(y * 255 / Math.Max(1, height - 1)), (byte)((x + y) % 2 == 0 ? 40 : 200)));
            }
        }

        return bitmap;
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> u32 = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(u32, (uint)data.Length);
        stream.Write(u32);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        stream.Write(typeBytes);
        stream.Write(data);
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in typeBytes.Concat(data))
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        BinaryPrimitives.WriteUInt32BigEndian(u32, crc ^ 0xFFFFFFFFu);
        stream.Write(u32);
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
