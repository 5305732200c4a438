using IGOSpp.Models.Architectures;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Models;

/// <summary>
/// TorchVision's classifiers rebuilt in TorchSharp, for weights saved in PyTorch as a state dict
/// (<c>torch.save(torchvision.models.resnet50().state_dict(), "resnet50.pt")</c>, or a .safetensors file): the modules
/// have TorchVision's parameter and buffer names and shapes, so such a file loads with <c>strict = true</c>. The
/// families are ResNet (resnet18, resnet34, resnet50, resnet101, resnet152), ResNeXt (resnext50_32x4d,
/// resnext101_32x8d, resnext101_64x4d), Wide ResNet (wide_resnet50_2, wide_resnet101_2) and VGG (vgg11, vgg13, vgg16,
/// vgg19, each also with batch norm: vgg11_bn, …). Every model maps images [N,3,H,W] to logits [N,numClasses]
/// (ResNet: any H, W ≥ 32; VGG: H, W ≥ 32).
/// </summary>
public static class KnownArchitectures
{
    private sealed record Spec(Func<int, int, nn.Module<Tensor, Tensor>> Build, string ClassifierWeight);

    private static Spec ResNetSpec(string name, bool bottleneck, int[] layers, int groups = 1, int widthPerGroup = 64) =>
        new((classes, width) => new ResNet(name, bottleneck, layers, classes, groups, widthPerGroup, width), "fc.weight");

    private static Spec VggSpec(string name, string configuration, bool batchNorm) =>
        new((classes, width) => new Vgg(name, configuration, batchNorm, classes, width, hidden: width * 64), "classifier.6.weight");

    private static readonly Dictionary<string, Spec> Specs = new(StringComparer.OrdinalIgnoreCase)
    {
        ["resnet18"] = ResNetSpec("resnet18", false, [2, 2, 2, 2]),
        ["resnet34"] = ResNetSpec("resnet34", false, [3, 4, 6, 3]),
        ["resnet50"] = ResNetSpec("resnet50", true, [3, 4, 6, 3]),
        ["resnet101"] = ResNetSpec("resnet101", true, [3, 4, 23, 3]),
        ["resnet152"] = ResNetSpec("resnet152", true, [3, 8, 36, 3]),
        ["resnext50_32x4d"] = ResNetSpec("resnext50_32x4d", true, [3, 4, 6, 3], groups: 32, widthPerGroup: 4),
        ["resnext101_32x8d"] = ResNetSpec("resnext101_32x8d", true, [3, 4, 23, 3], groups: 32, widthPerGroup: 8),
        ["resnext101_64x4d"] = ResNetSpec("resnext101_64x4d", true, [3, 4, 23, 3], groups: 64, widthPerGroup: 4),
        ["wide_resnet50_2"] = ResNetSpec("wide_resnet50_2", true, [3, 4, 6, 3], widthPerGroup: 128),
        ["wide_resnet101_2"] = ResNetSpec("wide_resnet101_2", true, [3, 4, 23, 3], widthPerGroup: 128),
        ["vgg11"] = VggSpec("vgg11", "A", false),
        ["vgg11_bn"] = VggSpec("vgg11_bn", "A", true),
        ["vgg13"] = VggSpec("vgg13", "B", false),
        ["vgg13_bn"] = VggSpec("vgg13_bn", "B", true),
        ["vgg16"] = VggSpec("vgg16", "D", false),
        ["vgg16_bn"] = VggSpec("vgg16_bn", "D", true),
        ["vgg19"] = VggSpec("vgg19", "E", false),
        ["vgg19_bn"] = VggSpec("vgg19_bn", "E", true),
    };

    /// <summary>The architecture names, as TorchVision's model builders are named (<c>torchvision.models.resnet50</c>
    /// is "resnet50"). Names are matched case-insensitively.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Specs.Keys];

    /// <summary>
    /// Builds an architecture with TorchVision's initialization (random weights), in training mode on the CPU, as
    /// <c>torchvision.models.NAME(num_classes=numClasses)</c> does. The caller owns the returned module and must
    /// dispose it.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/>, e.g. "resnet50".</param>
    /// <param name="numClasses">Outputs of the last layer; TorchVision's ImageNet models have 1000.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a known architecture (the message lists them).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
    public static nn.Module<Tensor, Tensor> Create(string name, int numClasses = 1000)
    {
        var spec = Find(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        return spec.Build(numClasses, 64);
    }

    /// <summary>
    /// Builds an architecture and loads a state dict file into it strictly (<see cref="ModelLoader.LoadStateDict(nn.Module, string, bool)"/>:
    /// every parameter and buffer must be in the file with its shape, and nothing else), then switches it to eval mode
    /// and moves it to <paramref name="device"/>. The caller owns the returned module and must dispose it.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="path">A .pt/.pth/.bin file written by <c>torch.save(model.state_dict(), path)</c>, or a .safetensors file.</param>
    /// <param name="numClasses">Outputs of the last layer; null reads them from the file (the first dimension of
    /// <c>fc.weight</c> for ResNets, <c>classifier.6.weight</c> for VGG).</param>
    /// <param name="device">Device of the returned module; default CPU.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a known architecture, or <paramref name="path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is less than 1.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read, or it does not fit the architecture: the
    /// message names the missing, unexpected and mis-shaped keys.</exception>
    public static nn.Module<Tensor, Tensor> Load(string name, string path, int? numClasses = null, Device? device = null)
    {
        var spec = Find(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (numClasses is { } given) ArgumentOutOfRangeException.ThrowIfLessThan(given, 1, nameof(numClasses));
        return LoadWithWidth(spec, name, path, numClasses, 64, device);
    }

    /// <summary>The test seam: an architecture at another base width (TorchVision: 64), for the narrow fixtures that
    /// tools/model-fixtures/make_architecture_fixtures.py writes with TorchVision's own blocks.</summary>
    internal static nn.Module<Tensor, Tensor> Create(string name, int numClasses, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        return Find(name).Build(numClasses, width);
    }

    /// <inheritdoc cref="Load(string, string, int?, Device?)"/>
    internal static nn.Module<Tensor, Tensor> Load(string name, string path, int? numClasses, int width)
    {
        var spec = Find(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (numClasses is { } given) ArgumentOutOfRangeException.ThrowIfLessThan(given, 1, nameof(numClasses));
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        return LoadWithWidth(spec, name, path, numClasses, width, null);
    }

    private static nn.Module<Tensor, Tensor> LoadWithWidth(Spec spec, string name, string path, int? numClasses, int width, Device? device)
    {
        using var scope = NewDisposeScope();
        var source = ModelLoader.ReadStateDict(path);
        var classes = numClasses;
        if (classes is null && source.TryGetValue(spec.ClassifierWeight, out var classifier) && classifier.dim() == 2 && classifier.shape[0] is >= 1 and <= int.MaxValue)
            classes = (int)classifier.shape[0];

        // Without the classifier's weight the strict load below names it among the missing keys.
        var module = spec.Build(classes ?? 1000, width);
        try
        {
            ModelLoader.LoadStateDict(module, source, path, strict: true);
            module.eval();
            if (device is not null) module.to(device);
            return module;
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    private static Spec Find(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return Specs.TryGetValue(name, out var spec)
            ? spec
            : throw new ArgumentException($"'{name}' is not a known architecture; known: {string.Join(", ", Names)}.", nameof(name));
    }
}
