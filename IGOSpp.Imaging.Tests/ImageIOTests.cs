using FluentAssertions;
using NUnit.Framework;
using IGOSpp.Imaging;
using SkiaSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Imaging;

[TestFixture]
public sealed class ImageIOTests
{
    private string _dir = string.Empty;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "igospp-imageio-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void SavePng_GrayUint8_LoadsBackExactly()
    {
        using var scope = torch.NewDisposeScope();
        var bytes = Enumerable.Range(0, 5 * 7).Select(i => (byte)(i * 7)).ToArray();
        var image = torch.tensor(bytes, new long[] { 1, 5, 7 }, ScalarType.Byte);
        string path = Path.Combine(_dir, "gray.png");

        ImageIO.SavePng(image, path);
        var loaded = ImageIO.Load(path);

        loaded.shape.Should().Equal(1, 5, 7);
        loaded.dtype.Should().Be(ScalarType.Float32);
        var back = loaded.mul(255f).round().to(ScalarType.Byte);
        back.data<byte>().ToArray().Should().Equal(bytes);
    }

    [Test]
    public void SavePng_RgbUint8_LoadsBackExactly()
    {
        using var scope = torch.NewDisposeScope();
        var rng = new Random(7);
        var bytes = new byte[3 * 6 * 4];
        rng.NextBytes(bytes);
        var image = torch.tensor(bytes, new long[] { 3, 6, 4 }, ScalarType.Byte);
        string path = Path.Combine(_dir, "rgb.png");

        ImageIO.SavePng(image, path);
        var loaded = ImageIO.Load(path);

        loaded.shape.Should().Equal(3, 6, 4);
        loaded.mul(255f).round().to(ScalarType.Byte).data<byte>().ToArray().Should().Equal(bytes);
    }

    [Test]
    public void SavePng_FloatWithDenormalize_InvertsNormalization()
    {
        using var scope = torch.NewDisposeScope();
        var norm = ImageNormalization.FashionMnist;

        // Normalized values of pixels 0, 51, 255: (v/255 - 0.2860) / 0.3530.
        var normalized = torch.tensor(new[] { (0f - 0.2860f) / 0.3530f, (0.2f - 0.2860f) / 0.3530f, (1f - 0.2860f) / 0.3530f }).reshape(1, 1, 3);
        string path = Path.Combine(_dir, "denorm.png");

        ImageIO.SavePng(normalized, path, norm);

        using var bitmap = SKBitmap.Decode(path);
        bitmap.GetPixel(0, 0).Red.Should().Be(0);
        bitmap.GetPixel(1, 0).Red.Should().Be(51);
        bitmap.GetPixel(2, 0).Red.Should().Be(255);
    }

    [Test]
    public void ToBitmap_NaN_ThrowsArgumentException()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.tensor(new[] { 0f, float.NaN }).reshape(1, 2);

        var act = () => ImageIO.ToBitmap(image);

        act.Should().Throw<ArgumentException>().WithParameterName("image").WithMessage("*NaN*");
    }

    [Test]
    public void ToBitmap_FourChannels_ThrowsArgumentExceptionWithShape()
    {
        using var scope = torch.NewDisposeScope();
        var act = () => ImageIO.ToBitmap(torch.zeros(4, 2, 2));

        act.Should().Throw<ArgumentException>().WithMessage("*[4,2,2]*");
    }

    [Test]
    public void Load_ImageNetNormalization_MatchesHandComputedValues()
    {
        using var scope = torch.NewDisposeScope();

        // One pixel (R, G, B) = (255, 128, 0).
        var image = torch.tensor(new byte[] { 255, 128, 0 }, new long[] { 3, 1, 1 }, ScalarType.Byte);
        string path = Path.Combine(_dir, "pixel.png");
        ImageIO.SavePng(image, path);

        var loaded = ImageIO.Load(path, new ImageLoadOptions { Normalization = ImageNormalization.ImageNet });

        var values = loaded.data<float>().ToArray();
        values[0].Should().BeApproximately((1f - 0.485f) / 0.229f, 1e-5f); // 2.2489
        values[1].Should().BeApproximately(((128f / 255f) - 0.456f) / 0.224f, 1e-5f); // 0.2052
        values[2].Should().BeApproximately((0f - 0.406f) / 0.225f, 1e-5f); // -1.8044
    }

    [Test]
    public void Load_CustomSingleValueNormalization_AppliesToEveryChannel()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.tensor(new byte[] { 0, 255, 51 }, new long[] { 3, 1, 1 }, ScalarType.Byte);
        string path = Path.Combine(_dir, "pixel.png");
        ImageIO.SavePng(image, path);

        var loaded = ImageIO.Load(path, new ImageLoadOptions { Normalization = new ImageNormalization(new[] { 0.5f }, new[] { 0.5f }) });

        loaded.data<float>().ToArray().Should().Equal(new[] { -1f, 1f, -0.6f }, (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Test]
    public void Load_NormalizationWithWrongChannelCount_ThrowsArgumentException()
    {
        string path = Path.Combine(_dir, "gray.png");
        using (var scope = torch.NewDisposeScope())
        {
            ImageIO.SavePng(torch.zeros(1, 2, 2), path);
        }

        var act = () => ImageIO.Load(path, new ImageLoadOptions { Normalization = ImageNormalization.ImageNet });

        act.Should().Throw<ArgumentException>().WithMessage("*3 channel values*1 channels*");
    }

    [Test]
    public void Load_Resize_ReturnsRequestedShape()
    {
        string path = Path.Combine(_dir, "gradient.png");
        File.WriteAllBytes(path, TestImages.Encoded(SKEncodedImageFormat.Png, 40, 30));

        using var loaded = ImageIO.Load(path, new ImageLoadOptions { Resize = (16, 12) });

        loaded.shape.Should().Equal(3, 12, 16);
        loaded.min().item<float>().Should().BeGreaterThanOrEqualTo(0f);
        loaded.max().item<float>().Should().BeLessThanOrEqualTo(1f);
    }

    [Test]
    public void Load_ResizeOfConstantImage_KeepsTheConstant()
    {
        using var scope = torch.NewDisposeScope();
        string path = Path.Combine(_dir, "const.png");
        ImageIO.SavePng(torch.full(1, 9, 9, 100, ScalarType.Byte), path);

        var loaded = ImageIO.Load(path, new ImageLoadOptions { Resize = (4, 20) });

        loaded.shape.Should().Equal(1, 20, 4);
        loaded.mul(255f).round().unique().Item1.data<float>().ToArray().Should().Equal(100f);
    }

    [Test]
    public void Load_GrayAsThreeChannels_ReplicatesTheChannel()
    {
        using var scope = torch.NewDisposeScope();
        string path = Path.Combine(_dir, "gray.png");
        ImageIO.SavePng(torch.tensor(new byte[] { 10, 200 }, new long[] { 1, 1, 2 }, ScalarType.Byte), path);

        var loaded = ImageIO.Load(path, new ImageLoadOptions { Channels = 3 });

        loaded.shape.Should().Equal(3, 1, 2);
        loaded.mul(255f).round().data<float>().ToArray().Should().Equal(10f, 200f, 10f, 200f, 10f, 200f);
    }

    [Test]
    public void Load_RgbAsOneChannel_UsesBt601Luma()
    {
        using var scope = torch.NewDisposeScope();
        string path = Path.Combine(_dir, "rgb.png");
        ImageIO.SavePng(torch.tensor(new byte[] { 255, 0, 0, 255, 0, 0 }, new long[] { 3, 1, 2 }, ScalarType.Byte), path);

        var loaded = ImageIO.Load(path, new ImageLoadOptions { Channels = 1 });

        // Pixel 0 is pure red, pixel 1 pure green.
        loaded.data<float>().ToArray().Should().Equal(new[] { 0.299f, 0.587f }, (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Test]
    public void Load_JpegWithPngExtension_DecodesByContent()
    {
        string path = Path.Combine(_dir, "actually-a-jpeg.png");
        File.WriteAllBytes(path, TestImages.Encoded(SKEncodedImageFormat.Jpeg, 12, 10));

        using var loaded = ImageIO.Load(path);

        loaded.shape.Should().Equal(3, 10, 12);
    }

    [Test]
    public void Decode_WebP_LoadsRgb()
    {
        using var loaded = ImageIO.Decode(TestImages.Encoded(SKEncodedImageFormat.Webp, 9, 5, quality: 100));

        loaded.shape.Should().Equal(3, 5, 9);
    }

    [Test]
    public void Load_Bmp_ReturnsExactPixels()
    {
        using var loaded = ImageIO.Load(TestImages.FixturePath("rgb-3x2.bmp"));

        loaded.shape.Should().Equal(3, 2, 3);
        using var bytes = loaded.mul(255f).round();
        bytes.data<float>().ToArray().Should().Equal(
            255, 0, 0, 10, 200, 255,   // R plane
            0, 255, 0, 20, 100, 255,   // G plane
            0, 0, 255, 30, 50, 255);   // B plane
    }

    [Test]
    public void Load_SixteenBitGrayPng_LoadsScaledToUnitRange()
    {
        using var loaded = ImageIO.Load(TestImages.FixturePath("gray16-4x1.png"));

        // Values 0, 65535, 128*257, 1*257 of 65535 become 0, 1, 128/255, 1/255 within 8-bit rounding.
        loaded.shape[^2..].Should().Equal(1, 4);
        var values = loaded[0].data<float>().ToArray();
        values.Should().Equal(new[] { 0f, 1f, 128f / 255f, 1f / 255f }, (a, b) => Math.Abs(a - b) <= 1f / 255f);
    }

    [Test]
    public void Decode_SixteenBitRgbPng_LoadsScaledToUnitRange()
    {
        // 2x1 RGB, 16 bits per sample: (65535, 0, 32896) and (0, 65535, 0). Filter byte 0 then 12 bytes.
        byte[] row = { 0, 0xFF, 0xFF, 0, 0, 0x80, 0x80, 0, 0, 0xFF, 0xFF, 0, 0 };
        using var loaded = ImageIO.Decode(TestImages.Png(2, 1, 16, 2, row));

        loaded.shape.Should().Equal(3, 1, 2);
        loaded.data<float>().ToArray().Should().Equal(new[] { 1f, 0f, 0f, 1f, 128f / 255f, 0f }, (a, b) => Math.Abs(a - b) <= 1f / 255f);
    }

    [Test]
    public void Decode_RgbaPng_DropsAlphaAndKeepsStraightColor()
    {
        // 2x1 RGBA 8-bit: (200, 100, 50, alpha 0) and (10, 20, 30, alpha 128).
        byte[] row = { 0, 200, 100, 50, 0, 10, 20, 30, 128 };
        using var loaded = ImageIO.Decode(TestImages.Png(2, 1, 8, 6, row));

        loaded.shape.Should().Equal(3, 1, 2);
        using var bytes = loaded.mul(255f).round();
        bytes.data<float>().ToArray().Should().Equal(200, 10, 100, 20, 50, 30);
    }

    [Test]
    public void Decode_ManyCalls_LeaveNoLiveTensors()
    {
        var png = TestImages.Encoded(SKEncodedImageFormat.Png, 16, 16);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 50; i++)
        {
            using var scope = torch.NewDisposeScope();
            ImageIO.Decode(png, new ImageLoadOptions { Normalization = ImageNormalization.ImageNet });
            ImageIO.ToBitmap(ImageIO.Decode(png), ImageNormalization.ImageNet).Dispose();
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Test]
    public void Load_CmykJpeg_LoadsAsRgb()
    {
        using var loaded = ImageIO.Load(TestImages.FixturePath("cmyk-red.jpg"));

        // The file is pure red in CMYK (C=0, M=1, Y=1, K=0); JPEG is lossy, so allow a small error.
        loaded.shape.Should().Equal(3, 6, 8);
        loaded[0].mean().item<float>().Should().BeGreaterThan(0.95f);
        loaded[1].mean().item<float>().Should().BeLessThan(0.05f);
        loaded[2].mean().item<float>().Should().BeLessThan(0.05f);
    }

    [TestCase("animated-red-then-blue.gif")]
    [TestCase("animated-red-then-blue.webp")]
    public void Load_AnimatedImage_ReturnsFirstFrame(string file)
    {
        using var loaded = ImageIO.Load(TestImages.FixturePath(file));

        loaded.shape.Should().Equal(3, 4, 6);
        loaded[0].min().item<float>().Should().Be(1f);
        loaded[2].max().item<float>().Should().Be(0f);
    }

    [Test]
    public void Load_EmptyFile_ThrowsImageLoadExceptionWithPath()
    {
        string path = Path.Combine(_dir, "empty.png");
        File.WriteAllBytes(path, Array.Empty<byte>());

        var act = () => ImageIO.Load(path);

        act.Should().Throw<ImageLoadException>().Where(e => e.SourceName == path && e.Message.Contains(path, StringComparison.Ordinal));
    }

    [Test]
    public void Load_TextFile_ThrowsImageLoadException()
    {
        string path = Path.Combine(_dir, "notes.jpg");
        File.WriteAllText(path, "this is not an image");

        var act = () => ImageIO.Load(path);

        act.Should().Throw<ImageLoadException>().WithMessage("*unrecognized*");
    }

    [TestCase(SKEncodedImageFormat.Png)]
    [TestCase(SKEncodedImageFormat.Jpeg)]
    [TestCase(SKEncodedImageFormat.Webp)]
    public void Decode_TruncatedToHalf_ThrowsImageLoadException(SKEncodedImageFormat format)
    {
        var bytes = TestImages.Encoded(format, 64, 64);

        var act = () => ImageIO.Decode(bytes[..(bytes.Length / 2)]);

        act.Should().Throw<ImageLoadException>().Where(e => e.SourceName == "<memory>");
    }

    [Test]
    public void Decode_CorruptedPngHeader_ThrowsImageLoadException()
    {
        var bytes = TestImages.Encoded(SKEncodedImageFormat.Png, 8, 8);
        bytes[16] ^= 0xFF; // inside IHDR: width; the CRC no longer matches

        var act = () => ImageIO.Decode(bytes);

        act.Should().Throw<ImageLoadException>();
    }

    [Test]
    public void Decode_HugeDeclaredDimensions_ThrowsBeforeDecoding()
    {
        // 100000 x 100000 = 10 gigapixels declared in a 60-byte file.
        var bytes = TestImages.PngWithDeclaredSize(100_000, 100_000);

        var act = () => ImageIO.Decode(bytes);

        act.Should().Throw<ImageLoadException>().WithMessage("*100000x100000*MaxPixels*");
    }

    [Test]
    public void Decode_AboveCustomMaxPixels_Throws()
    {
        var bytes = TestImages.Encoded(SKEncodedImageFormat.Png, 20, 10);

        var act = () => ImageIO.Decode(bytes, new ImageLoadOptions { MaxPixels = 199 });

        act.Should().Throw<ImageLoadException>().WithMessage("*20x10 = 200 pixels*");
    }

    [Test]
    public void Load_MissingFile_ThrowsFileNotFoundException()
    {
        var act = () => ImageIO.Load(Path.Combine(_dir, "missing.png"));

        act.Should().Throw<FileNotFoundException>();
    }

    [Test]
    public void Options_InvalidValues_ThrowArgumentOutOfRange()
    {
        FluentActions.Invoking(() => new ImageLoadOptions { Channels = 2 }).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Channels");
        FluentActions.Invoking(() => new ImageLoadOptions { Resize = (0, 5) }).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Resize");
        FluentActions.Invoking(() => new ImageLoadOptions { MaxPixels = 0 }).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("MaxPixels");
        FluentActions.Invoking(() => new ImageNormalization(new[] { 0.5f }, new[] { 0f })).Should().Throw<ArgumentException>().WithParameterName("std");
        FluentActions.Invoking(() => new ImageNormalization(new[] { 0.5f, 0.5f }, new[] { 1f })).Should().Throw<ArgumentException>().WithParameterName("std");
    }

    [Test]
    public void ImageNormalization_SameValues_AreEqual()
    {
        var a = new ImageNormalization(new[] { 0.485f, 0.456f, 0.406f }, new[] { 0.229f, 0.224f, 0.225f });

        a.Should().Be(ImageNormalization.ImageNet);
        a.GetHashCode().Should().Be(ImageNormalization.ImageNet.GetHashCode());
    }
}
