using IGOSpp.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Samples.ResNetHead;

/// <summary>How grey Fashion-MNIST images become the backbone's input (each preprocessing has its own trained head).</summary>
public enum ResNetPreprocessing
{
    /// <summary>What ResNet18.onnx was trained with: 0–255 scale, three channels, minus the channel means of the package's
    /// ResNetPreprocess.onnx (B 103.06, G 115.90, R 123.15). Path noise of σ = 0.2 is tiny on this scale.</summary>
    Caffe,

    /// <summary>torchvision's ImageNet normalization: [0,1] scale, (x − mean) / std with RGB mean (0.485, 0.456, 0.406)
    /// and std (0.229, 0.224, 0.225), as a PyTorch user would feed a model. The backbone then sees inputs about 1/58 of
    /// the scale it was trained on, and its class score collapses under σ = 0.2 path noise: the noise-fragile benchmark
    /// of docs/results.md.</summary>
    ImageNetNormalized,
}

/// <summary>
/// A 224×224 Fashion-MNIST classifier: the real ImageNet-pretrained ResNet-18 (imported from ONNX, frozen) followed
/// by global average pooling and a trained linear 512→10 head. Input [N,3,224,224] as produced by
/// <see cref="Preprocess"/>; output logits [N,10].
/// <para>The ONNX graph is imported up to its last convolutional block (<see cref="TrunkOutput"/>, [N,512,7,7]) and the
/// pooling is done here, so the block is a module of its own: Grad-CAM targets it as <c>trunk</c>. The graph's own
/// final node (Pooling395, a 7×7 average pool) computes the same 512 features.</para>
/// </summary>
public sealed class ResNetFashionClassifier : nn.Module<Tensor, Tensor>
{
    /// <summary>Side of the network's input images in pixels.</summary>
    public const int ImageSize = 224;

    /// <summary>Number of Fashion-MNIST classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Length of the backbone's feature vector.</summary>
    public const int FeatureCount = 512;

    /// <summary>The ONNX value imported as the trunk's output: the last residual block after its ReLU, [N,512,7,7].</summary>
    public const string TrunkOutput = "ReLU393_Output_0";

    // Per-channel means of the package's ResNetPreprocess.onnx mean image, in its BGR channel order (0–255 scale).
    private static readonly float[] MeanBgr = [103.06f, 115.90f, 123.15f];

    // torchvision's ImageNet normalization (RGB, [0,1] scale).
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>The head file that goes with a preprocessing, under samples/models.</summary>
    public static string HeadFileName(ResNetPreprocessing preprocessing) => preprocessing == ResNetPreprocessing.Caffe
        ? "resnet18-fmnist-head.bin"
        : "resnet18-fmnist-head-imagenet-norm.bin";

    private readonly OnnxModule _trunk;
    private readonly Linear _head;

    private ResNetFashionClassifier(OnnxModule trunk, Linear head) : base(nameof(ResNetFashionClassifier))
    {
        _trunk = trunk;
        _head = head;
        register_module("trunk", trunk);
        register_module("head", head);
    }

    /// <summary>The imported ResNet-18 up to its last convolutional block ([N,3,224,224] → [N,512,7,7]).</summary>
    public OnnxModule Trunk => _trunk;

    /// <summary>The linear 512→10 head.</summary>
    public Linear Head => _head;

    /// <summary>
    /// Builds the classifier from ResNet18.onnx (package Microsoft.ML.DnnImageFeaturizer.ResNet18) and a head saved by
    /// this sample (TorchSharp's <c>Module.save</c> format). The model is in eval mode; the backbone has no trainable
    /// parameters and the head's parameters do not require gradients. The caller owns (and disposes) the module.
    /// </summary>
    /// <param name="onnxPath">Path of ResNet18.onnx.</param>
    /// <param name="headPath">Path of the head weights, or null for an untrained (seeded) head.</param>
    public static ResNetFashionClassifier Create(string onnxPath, string? headPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        if (!File.Exists(onnxPath)) throw new FileNotFoundException($"ONNX model '{onnxPath}' not found.", onnxPath);
        if (headPath is not null && !File.Exists(headPath)) throw new FileNotFoundException($"Head weights '{headPath}' not found.", headPath);

        var trunk = OnnxModel.Load(onnxPath, new OnnxImportOptions { OutputName = TrunkOutput });
        var head = nn.Linear(FeatureCount, ClassCount);
        if (headPath is not null) head.load(headPath);
        foreach (var parameter in head.parameters()) parameter.requires_grad = false;
        var model = new ResNetFashionClassifier(trunk, head);
        model.eval();
        return model;
    }

    /// <summary>Creates a fresh linear 512→10 head (for training).</summary>
    internal static Linear CreateHead() => nn.Linear(FeatureCount, ClassCount);

    /// <summary>The 512 backbone features of images [N,3,224,224]: the trunk's output averaged over its 7×7 positions.</summary>
    /// <param name="input">Preprocessed images. Not disposed.</param>
    /// <returns>[N,512]. The caller owns the returned tensor and must dispose it.</returns>
    public Tensor Features(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return _trunk.call(input).mean([2, 3]).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        return _head.call(_trunk.call(input).mean([2, 3])).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Turns one grey Fashion-MNIST image ([28,28] or [1,28,28], values in [0,1]) into the network's input [3,224,224]:
    /// bilinear upsampling to 224×224 and three channels, then <paramref name="preprocessing"/>'s scale and normalization.
    /// The caller owns the returned tensor and must dispose it; the input is not disposed.
    /// </summary>
    /// <param name="gray28">The grey image, float, values in [0,1].</param>
    /// <param name="preprocessing">The backbone's own (default) or torchvision's ImageNet normalization.</param>
    public static Tensor Preprocess(Tensor gray28, ResNetPreprocessing preprocessing = ResNetPreprocessing.Caffe)
    {
        ArgumentNullException.ThrowIfNull(gray28);
        var shape = gray28.shape;
        var ok = (shape.Length == 2 && shape[0] == 28 && shape[1] == 28) || (shape.Length == 3 && shape[0] == 1 && shape[1] == 28 && shape[2] == 28);
        if (!ok) throw new ArgumentException($"Expected a grey image [28,28] or [1,28,28]; received [{string.Join(",", shape)}].", nameof(gray28));
        using var scope = torch.NewDisposeScope();
        return PreprocessBatch(gray28.reshape(1, 1, 28, 28), preprocessing)[0].MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Batch form of <see cref="Preprocess"/>: [N,1,28,28] in [0,1] → [N,3,224,224].
    /// The caller owns the returned tensor and must dispose it.
    /// </summary>
    /// <param name="gray">Grey images [N,1,28,28], float, values in [0,1].</param>
    /// <param name="preprocessing">The backbone's own (default) or torchvision's ImageNet normalization.</param>
    public static Tensor PreprocessBatch(Tensor gray, ResNetPreprocessing preprocessing = ResNetPreprocessing.Caffe)
    {
        ArgumentNullException.ThrowIfNull(gray);
        if (gray.dim() != 4 || gray.shape[1] != 1 || gray.shape[2] != 28 || gray.shape[3] != 28)
            throw new ArgumentException($"Expected grey images [N,1,28,28]; received [{string.Join(",", gray.shape)}].", nameof(gray));
        if (!Enum.IsDefined(preprocessing)) throw new ArgumentOutOfRangeException(nameof(preprocessing), preprocessing, "Unknown preprocessing.");
        using var scope = torch.NewDisposeScope();
        var caffe = preprocessing == ResNetPreprocessing.Caffe;
        var scaled = caffe ? gray.to_type(ScalarType.Float32) * 255f : gray.to_type(ScalarType.Float32);
        var large = F.interpolate(scaled, [ImageSize, ImageSize], mode: InterpolationMode.Bilinear, align_corners: false)
            .expand(gray.shape[0], 3, ImageSize, ImageSize);
        var result = caffe
            ? large - torch.tensor(MeanBgr, [1, 3, 1, 1], device: gray.device)
            : (large - torch.tensor(ImageNetMean, [1, 3, 1, 1], device: gray.device)) / torch.tensor(ImageNetStd, [1, 3, 1, 1], device: gray.device);
        return result.contiguous().MoveToOuterDisposeScope();
    }
}
