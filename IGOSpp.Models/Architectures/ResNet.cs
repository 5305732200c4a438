using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace IGOSpp.Models.Architectures;

/// <summary>
/// TorchVision's <c>torchvision.models.resnet.ResNet</c> rebuilt in TorchSharp with the same module tree, so its
/// state dict has TorchVision's keys and shapes: conv1, bn1, (relu, maxpool), layer1..layer4 of
/// <see cref="BasicBlock"/> or <see cref="Bottleneck"/> blocks named 0, 1, …, (avgpool), fc. Weights are initialized
/// as TorchVision does (Kaiming normal, fan_out, for convolutions; ones and zeros for batch norm).
/// </summary>
internal sealed class ResNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly MaxPool2d _maxpool;
    private readonly Sequential _layer1;
    private readonly Sequential _layer2;
    private readonly Sequential _layer3;
    private readonly Sequential _layer4;
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly Linear _fc;

    /// <param name="name">The module name (the architecture's).</param>
    /// <param name="bottleneck">Bottleneck blocks (ResNet-50 and deeper) instead of basic blocks.</param>
    /// <param name="layers">Blocks per stage, four numbers (resnet18: 2, 2, 2, 2).</param>
    /// <param name="numClasses">Outputs of fc.</param>
    /// <param name="groups">Groups of the bottleneck's 3×3 convolution (ResNeXt: 32).</param>
    /// <param name="widthPerGroup">TorchVision's width_per_group (64; ResNeXt-50 32×4d: 4; Wide ResNet-50-2: 128).</param>
    /// <param name="width">Channels of the stem and of layer1's planes; layers 2–4 double it each (TorchVision: 64). A
    /// smaller width gives the narrow networks of the test fixtures.</param>
    public ResNet(string name, bool bottleneck, IReadOnlyList<int> layers, int numClasses, int groups = 1, int widthPerGroup = 64, int width = 64)
        : base(name)
    {
        if (!bottleneck && (groups != 1 || widthPerGroup != 64))
            throw new ArgumentException("BasicBlock only supports groups=1 and width_per_group=64, as in TorchVision.", nameof(groups));
        var expansion = bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        var inplanes = width;
        _conv1 = nn.Conv2d(3, inplanes, 7, stride: 2, padding: 3, bias: false);
        _bn1 = nn.BatchNorm2d(inplanes);
        _maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);

        Sequential MakeLayer(int planes, int blocks, int stride)
        {
            Sequential? downsample = null;
            if (stride != 1 || inplanes != planes * expansion)
                downsample = nn.Sequential(nn.Conv2d(inplanes, planes * expansion, 1, stride: stride, bias: false), nn.BatchNorm2d(planes * expansion));
            var list = new List<nn.Module<Tensor, Tensor>>(blocks);
            for (var i = 0; i < blocks; i++)
            {
                list.Add(bottleneck
                    ? new Bottleneck(inplanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null, groups, widthPerGroup)
                    : new BasicBlock(inplanes, planes, i == 0 ? stride : 1, i == 0 ? downsample : null));
                inplanes = planes * expansion;
            }

            return nn.Sequential(list);
        }

        _layer1 = MakeLayer(width, layers[0], 1);
        _layer2 = MakeLayer(width * 2, layers[1], 2);
        _layer3 = MakeLayer(width * 4, layers[2], 2);
        _layer4 = MakeLayer(width * 8, layers[3], 2);
        _avgpool = nn.AdaptiveAvgPool2d(1);
        _fc = nn.Linear(width * 8 * expansion, numClasses);

        register_module("conv1", _conv1);
        register_module("bn1", _bn1);
        register_module("maxpool", _maxpool);
        register_module("layer1", _layer1);
        register_module("layer2", _layer2);
        register_module("layer3", _layer3);
        register_module("layer4", _layer4);
        register_module("avgpool", _avgpool);
        register_module("fc", _fc);
        Architecture.InitializeLikeTorchVision(this);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(_bn1.call(_conv1.call(input)));
        x = _maxpool.call(x);
        x = _layer4.call(_layer3.call(_layer2.call(_layer1.call(x))));
        x = _avgpool.call(x).flatten(1);
        return _fc.call(x).MoveToOuterDisposeScope();
    }
}

/// <summary>TorchVision's BasicBlock: conv1 (3×3, stride) → bn1 → relu → conv2 (3×3) → bn2, plus the identity or
/// downsample (conv 1×1 + bn, named downsample.0 and downsample.1), then relu.</summary>
internal sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 1;

    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Conv2d _conv2;
    private readonly BatchNorm2d _bn2;
    private readonly Sequential? _downsample;

    public BasicBlock(int inplanes, int planes, int stride, Sequential? downsample) : base(nameof(BasicBlock))
    {
        _conv1 = nn.Conv2d(inplanes, planes, 3, stride: stride, padding: 1, bias: false);
        _bn1 = nn.BatchNorm2d(planes);
        _conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
        _bn2 = nn.BatchNorm2d(planes);
        _downsample = downsample;
        register_module("conv1", _conv1);
        register_module("bn1", _bn1);
        register_module("conv2", _conv2);
        register_module("bn2", _bn2);
        if (_downsample is not null) register_module("downsample", _downsample);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(_bn1.call(_conv1.call(input)));
        x = _bn2.call(_conv2.call(x));
        var identity = _downsample is null ? input : _downsample.call(input);
        return nn.functional.relu(x + identity).MoveToOuterDisposeScope();
    }
}

/// <summary>TorchVision's Bottleneck (ResNet V1.5: the stride is on the 3×3 convolution): conv1 (1×1) → bn1 → relu →
/// conv2 (3×3, stride, groups) → bn2 → relu → conv3 (1×1, to planes × 4) → bn3, plus the identity or downsample, then
/// relu. The inner width is <c>int(planes × width_per_group / 64) × groups</c>.</summary>
internal sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;

    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Conv2d _conv2;
    private readonly BatchNorm2d _bn2;
    private readonly Conv2d _conv3;
    private readonly BatchNorm2d _bn3;
    private readonly Sequential? _downsample;

    public Bottleneck(int inplanes, int planes, int stride, Sequential? downsample, int groups, int widthPerGroup) : base(nameof(Bottleneck))
    {
        var width = (int)(planes * (widthPerGroup / 64.0)) * groups;
        _conv1 = nn.Conv2d(inplanes, width, 1, bias: false);
        _bn1 = nn.BatchNorm2d(width);
        _conv2 = nn.Conv2d(width, width, 3, stride: stride, padding: 1, groups: groups, bias: false);
        _bn2 = nn.BatchNorm2d(width);
        _conv3 = nn.Conv2d(width, planes * Expansion, 1, bias: false);
        _bn3 = nn.BatchNorm2d(planes * Expansion);
        _downsample = downsample;
        register_module("conv1", _conv1);
        register_module("bn1", _bn1);
        register_module("conv2", _conv2);
        register_module("bn2", _bn2);
        register_module("conv3", _conv3);
        register_module("bn3", _bn3);
        if (_downsample is not null) register_module("downsample", _downsample);
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(_bn1.call(_conv1.call(input)));
        x = nn.functional.relu(_bn2.call(_conv2.call(x)));
        x = _bn3.call(_conv3.call(x));
        var identity = _downsample is null ? input : _downsample.call(input);
        return nn.functional.relu(x + identity).MoveToOuterDisposeScope();
    }
}
