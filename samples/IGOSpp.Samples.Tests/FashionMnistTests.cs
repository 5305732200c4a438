using FluentAssertions;
using NUnit.Framework;
using IGOSpp.Samples;
using TorchSharp;

namespace IGOSpp.Tests.Data;

[TestFixture]
public sealed class FashionMnistTests
{
    [Test]
    public void ClassNames_TenNames_InLabelOrder()
    {
        FashionMnist.ClassNames.Should().Equal(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    }

    [Test]
    public void Normalize_Uint8_MatchesHandComputedValues()
    {
        using var scope = torch.NewDisposeScope();
        var images = torch.tensor(new byte[] { 0, 255, 51 }, torch.ScalarType.Byte);

        var normalized = FashionMnist.Normalize(images);

        // (0 - 0.286) / 0.353 = -0.81020; (1 - 0.286) / 0.353 = 2.02266; (0.2 - 0.286) / 0.353 = -0.24363.
        normalized.data<float>().ToArray().Should().Equal(new[] { -0.81020f, 2.02266f, -0.24363f }, (a, b) => Math.Abs(a - b) < 1e-4f);
    }

    [Test]
    public void Normalize_FloatInput_ThrowsArgumentException()
    {
        using var scope = torch.NewDisposeScope();
        var act = () => FashionMnist.Normalize(torch.zeros(2));

        act.Should().Throw<ArgumentException>().WithParameterName("images");
    }

    [Test]
    public void Load_DirectoryWithTinyGzipFiles_ReturnsImagesAndLabels()
    {
        string dir = Path.Combine(Path.GetTempPath(), "igospp-fmnist-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            // Two 28x28 images: all 7s and all 8s; labels 4 and 5.
            var header = new byte[] { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28 };
            var pixels = Enumerable.Repeat((byte)7, 784).Concat(Enumerable.Repeat((byte)8, 784));
            File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte.gz"), IdxReaderTests.Gzip(header.Concat(pixels).ToArray()));
            File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 4, 5 });

            FashionMnist.IsAvailable(FashionMnistSplit.Test, dir).Should().BeTrue();
            FashionMnist.IsAvailable(FashionMnistSplit.Train, dir).Should().BeFalse();
            using var set = FashionMnist.Load(FashionMnistSplit.Test, directory: dir);

            set.Count.Should().Be(2);
            set.Images.shape.Should().Equal(2, 28, 28);
            set.Images[1, 27, 27].item<byte>().Should().Be(8);
            set.Labels.data<long>().ToArray().Should().Equal(4L, 5L);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Load_LabelCountMismatch_ThrowsInvalidData()
    {
        string dir = Path.Combine(Path.GetTempPath(), "igospp-fmnist-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var header = new byte[] { 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28 };
            File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), header.Concat(new byte[784]).ToArray());
            File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 4, 5 });

            var act = () => FashionMnist.Load(FashionMnistSplit.Train, directory: dir);

            act.Should().Throw<InvalidDataException>().WithMessage("*1 images*2 labels*");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Load_RealTestSplit_HasKnownFirstLabels()
    {
        RequireDataset(FashionMnistSplit.Test);

        using var set = FashionMnist.Load(FashionMnistSplit.Test, count: 10);

        set.Images.shape.Should().Equal(10, 28, 28);
        set.Labels.data<long>().ToArray().Should().Equal(9L, 2L, 1L, 1L, 6L, 1L, 4L, 6L, 5L, 7L);
    }

    [Test]
    public void Load_RealTrainSplit_StatisticsMatchNormalizationConstants()
    {
        RequireDataset(FashionMnistSplit.Train);

        using var set = FashionMnist.Load(FashionMnistSplit.Train);
        using var scope = torch.NewDisposeScope();
        var x = set.Images.to(torch.ScalarType.Float64).div(255.0);

        set.Count.Should().Be(60_000);
        x.mean().item<double>().Should().BeApproximately(FashionMnist.Mean, 5e-4);
        x.std().item<double>().Should().BeApproximately(FashionMnist.Std, 5e-4);
        set.Labels.bincount(null).data<long>().ToArray().Should().OnlyContain(c => c == 6000);
    }

    private static void RequireDataset(FashionMnistSplit split)
    {
        if (!FashionMnist.IsAvailable(split))
        {
            Assert.Ignore($"Fashion-MNIST {split} files are not installed in {FashionMnist.DefaultDirectory}.");
        }
    }
}
