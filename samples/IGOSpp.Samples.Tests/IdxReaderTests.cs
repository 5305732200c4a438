using System.IO.Compression;
using FluentAssertions;
using NUnit.Framework;
using IGOSpp.Samples;
using TorchSharp;

namespace IGOSpp.Tests.Data;

[TestFixture]
public sealed class IdxReaderTests
{
    private string _dir = string.Empty;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "igospp-idx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>Two 2x3 images: 0..5 and 250..255.</summary>
    internal static byte[] TinyImages() => new byte[]
    {
        0x00, 0x00, 0x08, 0x03, // magic: ubyte, 3 dims
        0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, // 2 x 2 x 3
        0, 1, 2, 3, 4, 5,
        250, 251, 252, 253, 254, 255,
    };

    internal static byte[] TinyLabels() => new byte[] { 0x00, 0x00, 0x08, 0x01, 0, 0, 0, 2, 9, 3 };

    [Test]
    public void ReadImages_UncompressedFile_ReturnsPixelsInRowMajorOrder()
    {
        string path = Write("images-idx3-ubyte", TinyImages());

        using var images = IdxReader.ReadImages(path);

        images.dtype.Should().Be(torch.ScalarType.Byte);
        images.shape.Should().Equal(2, 2, 3);
        images.data<byte>().ToArray().Should().Equal(0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255);
        images[1, 0, 2].item<byte>().Should().Be(252);
    }

    [Test]
    public void ReadImages_GzipFile_SameAsUncompressed()
    {
        string path = Write("images-idx3-ubyte.gz", Gzip(TinyImages()));

        using var images = IdxReader.ReadImages(path);

        images.shape.Should().Equal(2, 2, 3);
        images.data<byte>().ToArray().Should().Equal(0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255);
    }

    [Test]
    public void ReadImages_GzipWithoutGzExtension_DetectedByContent()
    {
        string path = Write("images.idx", Gzip(TinyImages()));

        using var images = IdxReader.ReadImages(path);

        images.shape.Should().Equal(2, 2, 3);
    }

    [Test]
    public void ReadImages_Count_ReadsOnlyThePrefix()
    {
        string path = Write("images-idx3-ubyte", TinyImages());

        using var images = IdxReader.ReadImages(path, count: 1);

        images.shape.Should().Equal(1, 2, 3);
        images.data<byte>().ToArray().Should().Equal(0, 1, 2, 3, 4, 5);
    }

    [Test]
    public void ReadLabels_File_ReturnsInt64Labels()
    {
        string path = Write("labels-idx1-ubyte.gz", Gzip(TinyLabels()));

        using var labels = IdxReader.ReadLabels(path);

        labels.dtype.Should().Be(torch.ScalarType.Int64);
        labels.data<long>().ToArray().Should().Equal(9L, 3L);
    }

    [Test]
    public void ReadImages_BadMagic_ThrowsInvalidDataNamingFile()
    {
        var bytes = TinyImages();
        bytes[0] = 0x1F;
        string path = Write("bad-magic", bytes);

        var act = () => IdxReader.ReadImages(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*bad magic number*");
    }

    [Test]
    public void ReadImages_UnsupportedElementType_ThrowsInvalidData()
    {
        var bytes = TinyImages();
        bytes[2] = 0x0D; // float
        string path = Write("float-idx3", bytes);

        var act = () => IdxReader.ReadImages(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*unsupported element type 0x0D*");
    }

    [Test]
    public void ReadImages_LabelFile_ThrowsWrongRank()
    {
        string path = Write("labels-idx1-ubyte", TinyLabels());

        var act = () => IdxReader.ReadImages(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*3-dimensional*declares 1 dimensions*");
    }

    [Test]
    public void ReadImages_TruncatedData_ThrowsInvalidData()
    {
        string path = Write("truncated", TinyImages()[..^3]);

        var act = () => IdxReader.ReadImages(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*truncated data: expected 12 bytes*found 9*");
    }

    [Test]
    public void ReadImages_TruncatedHeader_ThrowsInvalidData()
    {
        string path = Write("short", TinyImages()[..7]);

        var act = () => IdxReader.ReadImages(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*truncated header*");
    }

    [Test]
    public void ReadImages_HugeDeclaredSize_ThrowsWithoutAllocating()
    {
        // 65535 x 65535 x 65535 declared in a 16-byte file.
        var bytes = new byte[] { 0, 0, 8, 3, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF };
        string path = Write("huge", bytes);

        var act = () => IdxReader.ReadImages(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*too large*");
    }

    [Test]
    public void ReadImages_CorruptGzip_ThrowsInvalidDataNamingFile()
    {
        var gz = Gzip(TinyImages());
        for (int i = 12; i < gz.Length - 8; i++)
        {
            gz[i] ^= 0x5A;
        }

        string path = Write("corrupt.gz", gz);

        var act = () => IdxReader.ReadImages(path);

        act.Should().Throw<InvalidDataException>().WithMessage($"*'{path}'*");
    }

    [Test]
    public void ReadImages_CountAboveFileCount_ThrowsInvalidData()
    {
        string path = Write("images", TinyImages());

        var act = () => IdxReader.ReadImages(path, count: 3);

        act.Should().Throw<InvalidDataException>().WithMessage("*3 items were requested*holds only 2*");
    }

    [Test]
    public void ReadImages_ZeroCount_ThrowsArgumentOutOfRange()
    {
        string path = Write("images", TinyImages());

        var act = () => IdxReader.ReadImages(path, count: 0);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("count");
    }

    [Test]
    public void ReadLabels_MissingFile_ThrowsFileNotFound()
    {
        var act = () => IdxReader.ReadLabels(Path.Combine(_dir, "nope"));

        act.Should().Throw<FileNotFoundException>();
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
