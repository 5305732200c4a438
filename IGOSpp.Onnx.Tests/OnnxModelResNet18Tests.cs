using FluentAssertions;
using IGOSpp.Onnx;
using Microsoft.ML.OnnxRuntime;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Tests.Onnx;

/// <summary>
/// The real ImageNet-pretrained ResNet-18 of NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (exported
/// from CNTK, opset 8, no classifier head), on Fashion-MNIST test images, compared with ONNX Runtime.
/// </summary>
[TestFixture]
[Category("Onnx")]
public sealed class OnnxModelResNet18Tests
{
    private const int ImageCount = 4;

    // Per-channel means of the package's ResNetPreprocess.onnx mean image, in its BGR channel order.
    private static readonly float[] MeanBgr = [103.06f, 115.90f, 123.15f];

    private OnnxModule? _module;
    private int _threads;
    private float[] _batch = [];

    private static string ModelPath => Path.Combine(TestContext.CurrentContext.TestDirectory, "Onnx", "Models", "ResNet18.onnx");

    [OneTimeSetUp]
    public void LoadModelAndImages()
    {
        // One thread, like the ONNX Runtime session: the machine's cores are shared with other builds.
        _threads = torch.get_num_threads();
        torch.set_num_threads(1);
        _module = OnnxModel.Load(ModelPath);
        _batch = PrepareImages(FashionMnistImages.ReadFirst(ImageCount));
    }

    [OneTimeTearDown]
    public void DisposeModel()
    {
        _module?.Dispose();
        torch.set_num_threads(_threads);
    }

    [Test]
    public void Load_ResNet18_ReportsDeclaredInputOutputAndOpset()
    {
        _module!.InputName.Should().Be("Input247");
        _module.OutputName.Should().Be("Pooling395_Output_0");
        _module.InputShape.Should().Equal(1L, 3L, 224L, 224L);
        _module.OpsetVersion.Should().Be(8);
        _module.NodeCount.Should().Be(74, "22 Conv, 22 BatchNormalization, 19 Relu, 9 Add, 1 MaxPool and 1 AveragePool");
        _module.parameters().Should().BeEmpty();
    }

    [Test]
    public void Call_FashionMnistBatch_MatchesOnnxRuntimeWithin1e4()
    {
        using var x = torch.tensor(_batch, [ImageCount, 3, 224, 224]);
        using var y = _module!.call(x);
        var actual = y.data<float>().ToArray();

        y.shape.Should().Equal(ImageCount, 512L, 1L, 1L);
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(ModelPath, options);
        const int imageSize = 3 * 224 * 224;
        double worst = 0;
        for (var n = 0; n < ImageCount; n++)
        {
            var (expected, shape) = OnnxRuntimeReference.Run(session, "Input247", _batch[(n * imageSize)..((n + 1) * imageSize)], [1, 3, 224, 224]);
            shape.Should().Equal(1L, 512L, 1L, 1L);
            expected.Max().Should().BeGreaterThan(0.1f, "real images give non-trivial features");
            worst = Math.Max(worst, OnnxOperatorsTests.MaxAbsDifference(actual[(n * 512)..((n + 1) * 512)], expected));
        }

        TestContext.Out.WriteLine($"ResNet-18 max |importer - ONNX Runtime| over {ImageCount} images: {worst:E3}");
        worst.Should().BeLessThan(1e-4);
    }

    [Test]
    public void Forward_ResNet18_InputGradientIsFiniteAndNonZero()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(_batch[..(3 * 224 * 224)], [1, 3, 224, 224]).requires_grad_();

        var features = _module!.call(x);
        var gradient = torch.autograd.grad([features.sum()], [x])[0];

        gradient.shape.Should().Equal(1L, 3L, 224L, 224L);
        gradient.isfinite().all().item<bool>().Should().BeTrue();
        gradient.abs().sum().item<float>().Should().BeGreaterThan(0f);
    }

    /// <summary>
    /// 28x28 grey images, bilinearly upsampled to 224x224, replicated to 3 channels, on the 0-255 scale minus the
    /// BGR channel means (the preprocessing ResNetPreprocess.onnx describes, with per-channel instead of per-pixel means).
    /// </summary>
    private static float[] PrepareImages(byte[][] images)
    {
        using var scope = torch.NewDisposeScope();
        var pixels = images.SelectMany(i => i.Select(b => (float)b)).ToArray();
        var grey = torch.tensor(pixels, [images.Length, 1, 28, 28]);
        var large = F.interpolate(grey, [224, 224], mode: InterpolationMode.Bilinear, align_corners: false);
        var mean = torch.tensor(MeanBgr, [1, 3, 1, 1]);
        var batch = large.expand(images.Length, 3, 224, 224) - mean;
        return batch.contiguous().data<float>().ToArray();
    }
}
