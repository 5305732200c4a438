using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace IGOSpp.Samples;

/// <summary>
/// A small convolutional classifier for Fashion-MNIST, bundled with pretrained weights so that the library can be
/// tried without training anything (see <see cref="LoadPretrained"/>).
/// </summary>
/// <remarks>
/// <para>Input: float32 [N, 1, 28, 28] normalized with the Fashion-MNIST mean and standard deviation
/// (<see cref="Preprocess"/> does it). Output: logits [N, 10], indexed like <see cref="ClassNames"/>.</para>
/// <para>Architecture (about 241K parameters): three blocks of 3x3 convolution (32, 64, 128 channels, padding 1),
/// batch normalization, ReLU and 2x2 max pooling (28 → 14 → 7 → 3), then a 1152 → 128 fully connected layer with
/// ReLU and dropout 0.25, and a 128 → 10 output layer. Training program, seed and accuracy: docs/model.md.</para>
/// </remarks>
public sealed class FashionMnistNet : Module<Tensor, Tensor>
{
    /// <summary>Name of the embedded resource holding the pretrained weights (TorchSharp <c>Module.save</c> format).</summary>
    public const string PretrainedResourceName = "IGOSpp.Samples.FashionMnistNet.weights";

    /// <summary>Number of output classes (10).</summary>
    public const int NumClasses = 10;

    private static readonly long[] Pool2 = { 2, 2 };

    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Conv2d _conv2;
    private readonly BatchNorm2d _bn2;
    private readonly Conv2d _conv3;
    private readonly BatchNorm2d _bn3;
    private readonly Linear _fc1;
    private readonly Dropout _dropout;
    private readonly Linear _fc2;

    /// <summary>Creates the network with freshly (randomly) initialized weights, in training mode.</summary>
    public FashionMnistNet()
        : base(nameof(FashionMnistNet))
    {
        _conv1 = Conv2d(1, 32, 3, padding: 1, bias: false);
        _bn1 = BatchNorm2d(32);
        _conv2 = Conv2d(32, 64, 3, padding: 1, bias: false);
        _bn2 = BatchNorm2d(64);
        _conv3 = Conv2d(64, 128, 3, padding: 1, bias: false);
        _bn3 = BatchNorm2d(128);
        _fc1 = Linear(128 * 3 * 3, 128);
        _dropout = Dropout(0.25);
        _fc2 = Linear(128, NumClasses);
        RegisterComponents();
    }

    /// <summary>The class names, indexed by output position (same as <see cref="FashionMnist.ClassNames"/>).</summary>
    public static IReadOnlyList<string> ClassNames => FashionMnist.ClassNames;

    /// <summary>
    /// Creates the network and loads the pretrained weights embedded in the IGOSpp assembly; the module is returned
    /// in evaluation mode (<c>eval()</c>) on the CPU. No file is needed.
    /// </summary>
    /// <returns>The pretrained model. The caller owns it and must dispose it.</returns>
    public static FashionMnistNet LoadPretrained()
    {
        var model = new FashionMnistNet();
        try
        {
            using var stream = typeof(FashionMnistNet).Assembly.GetManifestResourceStream(PretrainedResourceName)
                ?? throw new InvalidOperationException($"Embedded resource '{PretrainedResourceName}' is missing from {typeof(FashionMnistNet).Assembly.GetName().Name}.");
            model.load(stream);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Turns Fashion-MNIST style images into the model's input: float32 [N, 1, 28, 28], normalized as
    /// <c>(x - 0.2860) / 0.3530</c> with x in [0, 1].
    /// </summary>
    /// <param name="images">uint8 images with values 0..255, or float32/float64 images with values in [0, 1];
    /// shape [28, 28], [N, 28, 28] or [N, 1, 28, 28] (a single [1, 28, 28] image counts as N = 1). On any device;
    /// the result is on the same device. Not modified or disposed.</param>
    /// <returns>The normalized batch. The caller owns the returned tensor and must dispose it.</returns>
    /// <exception cref="ArgumentException">Wrong shape or dtype, or float values outside [0, 1].</exception>
    public static Tensor Preprocess(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        const int s = FashionMnist.ImageSize;
        var shape = images.shape;
        bool ok = shape.Length switch
        {
            2 => shape[0] == s && shape[1] == s,
            3 => shape[1] == s && shape[2] == s,
            4 => shape[1] == 1 && shape[2] == s && shape[3] == s,
            _ => false,
        };
        if (!ok || images.numel() == 0)
        {
            throw new ArgumentException($"Expected images of shape [28,28], [N,28,28] or [N,1,28,28] with N > 0 but received [{string.Join(',', shape)}].", nameof(images));
        }

        using var scope = torch.NewDisposeScope();
        Tensor x;
        if (images.dtype == ScalarType.Byte)
        {
            x = images.to(ScalarType.Float32).div(255f);
        }
        else if (images.dtype is ScalarType.Float32 or ScalarType.Float64)
        {
            x = images.to(ScalarType.Float32);
            var range = torch.stack(new[] { x.min(), x.max() }).cpu().data<float>().ToArray();
            if (float.IsNaN(range[0]) || float.IsNaN(range[1]) || range[0] < 0f || range[1] > 1f)
            {
                throw new ArgumentException($"Expected float images with values in [0, 1] but received values in [{range[0]}, {range[1]}]. Pass uint8 0..255 images or scale them first.", nameof(images));
            }
        }
        else
        {
            throw new ArgumentException($"Expected an uint8 (0..255) or float32/float64 ([0, 1]) tensor but received dtype {images.dtype}.", nameof(images));
        }

        return x.reshape(-1, 1, s, s).sub(FashionMnist.Mean).div_(FashionMnist.Std).MoveToOuterDisposeScope();
    }

    /// <summary>Computes the logits.</summary>
    /// <param name="input">Normalized images, float32 [N, 1, 28, 28]. Not modified or disposed.</param>
    /// <returns>Logits [N, 10]. The caller owns the returned tensor.</returns>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not [N, 1, 28, 28].</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4 || input.shape[1] != 1 || input.shape[2] != FashionMnist.ImageSize || input.shape[3] != FashionMnist.ImageSize)
        {
            throw new ArgumentException($"Expected input of shape [N,1,28,28] but received [{string.Join(',', input.shape)}].", nameof(input));
        }

        using var scope = torch.NewDisposeScope();
        var x = functional.max_pool2d(functional.relu(_bn1.call(_conv1.call(input))), Pool2);
        x = functional.max_pool2d(functional.relu(_bn2.call(_conv2.call(x))), Pool2);
        x = functional.max_pool2d(functional.relu(_bn3.call(_conv3.call(x))), Pool2);
        x = _dropout.call(functional.relu(_fc1.call(x.flatten(1))));
        return _fc2.call(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _conv1.Dispose();
            _bn1.Dispose();
            _conv2.Dispose();
            _bn2.Dispose();
            _conv3.Dispose();
            _bn3.Dispose();
            _fc1.Dispose();
            _dropout.Dispose();
            _fc2.Dispose();
        }

        base.Dispose(disposing);
    }
}
