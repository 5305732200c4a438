using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace IGOSpp.Models.Architectures;

/// <summary>
/// TorchVision's <c>torchvision.models.vgg.VGG</c> rebuilt in TorchSharp with the same module tree: features (a
/// Sequential of 3×3 convolutions with padding 1, batch norm when asked, ReLU and 2×2 max pooling, numbered as
/// TorchVision numbers them), avgpool (adaptive, 7×7) and classifier (Linear, ReLU, Dropout, Linear, ReLU, Dropout,
/// Linear, so its weights are classifier.0, classifier.3 and classifier.6). Initialized as TorchVision does.
/// </summary>
internal sealed class Vgg : nn.Module<Tensor, Tensor>
{
    /// <summary>An entry of <see cref="Configurations"/> that is a max pool rather than a convolution's channels.</summary>
    public const int Pool = 0;

    /// <summary>TorchVision's cfgs: "A" (VGG-11), "B" (VGG-13), "D" (VGG-16), "E" (VGG-19), in units of the base width
    /// (64 channels); <see cref="Pool"/> is a max pool.</summary>
    public static readonly IReadOnlyDictionary<string, int[]> Configurations = new Dictionary<string, int[]>(StringComparer.Ordinal)
    {
        ["A"] = [1, Pool, 2, Pool, 4, 4, Pool, 8, 8, Pool, 8, 8, Pool],
        ["B"] = [1, 1, Pool, 2, 2, Pool, 4, 4, Pool, 8, 8, Pool, 8, 8, Pool],
        ["D"] = [1, 1, Pool, 2, 2, Pool, 4, 4, 4, Pool, 8, 8, 8, Pool, 8, 8, 8, Pool],
        ["E"] = [1, 1, Pool, 2, 2, Pool, 4, 4, 4, 4, Pool, 8, 8, 8, 8, Pool, 8, 8, 8, 8, Pool],
    };

    private readonly Sequential _features;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Sequential _classifier;

    /// <param name="name">The module name (the architecture's).</param>
    /// <param name="configuration">A key of <see cref="Configurations"/>.</param>
    /// <param name="batchNorm">Batch norm after every convolution (vgg16_bn).</param>
    /// <param name="numClasses">Outputs of the last linear layer.</param>
    /// <param name="width">Channels of the first convolution (TorchVision: 64; the others are multiples of it).</param>
    /// <param name="hidden">Width of the two hidden linear layers (TorchVision: 4096).</param>
    public Vgg(string name, string configuration, bool batchNorm, int numClasses, int width = 64, int hidden = 4096) : base(name)
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        var channels = 3;
        foreach (var entry in Configurations[configuration])
        {
            if (entry == Pool)
            {
                layers.Add(nn.MaxPool2d(2, stride: 2));
                continue;
            }

            layers.Add(nn.Conv2d(channels, entry * width, 3, padding: 1));
            if (batchNorm) layers.Add(nn.BatchNorm2d(entry * width));
            layers.Add(nn.ReLU());
            channels = entry * width;
        }

        _features = nn.Sequential(layers);
        _avgpool = nn.AdaptiveAvgPool2d(7);
        _classifier = nn.Sequential(
            nn.Linear(channels * 7 * 7, hidden), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(hidden, numClasses));
        register_module("features", _features);
        register_module("avgpool", _avgpool);
        register_module("classifier", _classifier);
        Architecture.InitializeLikeTorchVision(this);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = _avgpool.call(_features.call(input)).flatten(1);
        return _classifier.call(x).MoveToOuterDisposeScope();
    }
}
