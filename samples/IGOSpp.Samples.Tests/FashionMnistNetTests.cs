using FluentAssertions;
using NUnit.Framework;
using IGOSpp.Samples;
using IGOSpp.Imaging;
using TorchSharp;

namespace IGOSpp.Tests.Models;

[TestFixture]
public sealed class FashionMnistNetTests
{
    [Test]
    public void Forward_Batch_ReturnsTenLogitsPerImage()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        using var model = new FashionMnistNet();
        model.eval();

        var logits = model.call(torch.randn(3, 1, 28, 28));

        logits.shape.Should().Equal(3, 10);
        model.parameters().Sum(p => p.numel()).Should().Be(241_770);
    }

    [Test]
    public void Forward_WrongShape_ThrowsArgumentException()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new FashionMnistNet();

        var act = () => model.call(torch.zeros(1, 3, 28, 28));

        act.Should().Throw<ArgumentException>().WithMessage("*[N,1,28,28]*[1,3,28,28]*");
    }

    [Test]
    public void Preprocess_Uint8Image_ReturnsNormalizedBatchOfOne()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.full(28, 28, 255, torch.ScalarType.Byte);
        image[0, 0] = torch.tensor((byte)0);

        var x = FashionMnistNet.Preprocess(image);

        x.shape.Should().Equal(1, 1, 28, 28);
        x.dtype.Should().Be(torch.ScalarType.Float32);
        x[0, 0, 0, 0].item<float>().Should().BeApproximately(-0.2860f / 0.3530f, 1e-5f);
        x[0, 0, 5, 5].item<float>().Should().BeApproximately((1f - 0.2860f) / 0.3530f, 1e-5f);
    }

    [Test]
    public void Preprocess_FloatBatch_EqualsUint8Path()
    {
        using var scope = torch.NewDisposeScope();
        var bytes = torch.randint(0, 256, new long[] { 4, 28, 28 }, generator: new torch.Generator(5)).to(torch.ScalarType.Byte);

        var fromBytes = FashionMnistNet.Preprocess(bytes);
        var fromFloats = FashionMnistNet.Preprocess(bytes.to(torch.ScalarType.Float32).div(255f).unsqueeze(1));

        fromBytes.shape.Should().Equal(4, 1, 28, 28);
        fromBytes.allclose(fromFloats, rtol: 0, atol: 1e-6).Should().BeTrue();
    }

    [Test]
    public void Preprocess_FloatAboveOne_ThrowsArgumentException()
    {
        using var scope = torch.NewDisposeScope();
        var act = () => FashionMnistNet.Preprocess(torch.full(28, 28, 255f));

        act.Should().Throw<ArgumentException>().WithParameterName("images").WithMessage("*[0, 1]*");
    }

    [Test]
    public void Preprocess_WrongSize_ThrowsArgumentException()
    {
        using var scope = torch.NewDisposeScope();
        var act = () => FashionMnistNet.Preprocess(torch.zeros(32, 32));

        act.Should().Throw<ArgumentException>().WithMessage("*[32,32]*");
    }

    [Test]
    public void PreprocessAndForward_ManyCalls_LeaveNoLiveTensors()
    {
        using var model = FashionMnistNet.LoadPretrained();
        using var images = torch.zeros(2, 28, 28, torch.ScalarType.Byte);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 20; i++)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            model.call(FashionMnistNet.Preprocess(images));
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Test]
    public void LoadPretrained_EmbeddedWeights_LoadsInEvalMode()
    {
        using var model = FashionMnistNet.LoadPretrained();

        model.training.Should().BeFalse();
        FashionMnistNet.ClassNames.Should().HaveCount(10);
    }

    [Test]
    public void LoadPretrained_FirstThousandTestImages_AccuracyAtLeast90Percent()
    {
        if (!FashionMnist.IsAvailable(FashionMnistSplit.Test))
        {
            Assert.Ignore($"Fashion-MNIST test files are not installed in {FashionMnist.DefaultDirectory}; LoadPretrained_SamplePngs_AtLeastNineOfTenCorrect covers the model.");
        }

        using var model = FashionMnistNet.LoadPretrained();
        using var test = FashionMnist.Load(FashionMnistSplit.Test, count: 1000);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var predicted = model.call(FashionMnistNet.Preprocess(test.Images)).argmax(1);
        double accuracy = predicted.eq(test.Labels).to(torch.ScalarType.Float64).mean().item<double>();

        TestContext.Out.WriteLine($"accuracy on the first 1000 test images: {accuracy:P1}");
        accuracy.Should().BeGreaterThanOrEqualTo(0.90);
    }

    [Test]
    public void LoadPretrained_SamplePngs_AtLeastNineOfTenCorrect()
    {
        string dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "SampleImages");
        var files = Directory.GetFiles(dir, "*.png").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        files.Should().HaveCount(10);
        using var model = FashionMnistNet.LoadPretrained();

        int correct = 0;
        foreach (string file in files)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            int label = int.Parse(Path.GetFileName(file).AsSpan(0, 1), System.Globalization.CultureInfo.InvariantCulture);
            var image = ImageIO.Load(file, new ImageLoadOptions { Normalization = ImageNormalization.FashionMnist });
            image.shape.Should().Equal(1, 28, 28);

            long predicted = model.call(image.unsqueeze(0)).argmax(1).item<long>();
            correct += predicted == label ? 1 : 0;
        }

        correct.Should().BeGreaterThanOrEqualTo(9);
    }
}
