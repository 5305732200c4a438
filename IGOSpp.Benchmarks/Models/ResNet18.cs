using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks.Models;

/// <summary>
/// A TorchVision-shaped ResNet-18 (BasicBlock ×[2,2,2,2], 11.7 M parameters, [N,3,224,224] → [N,classes]) with
/// seeded random weights: the cost of the model passes is that of the real network, which is what the benchmarks measure.
/// </summary>
public sealed class ResNet18 : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _stem;
    private readonly Sequential _layers;
    private readonly Linear _fc;

    public ResNet18(int classes = 1000, long seed = 0) : base(nameof(ResNet18))
    {
        torch.manual_seed(seed);
        _stem = nn.Sequential(
            ("conv1", nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false)),
            ("bn1", nn.BatchNorm2d(64)),
            ("relu", nn.ReLU(inplace: true)),
            ("maxpool", nn.MaxPool2d(3, stride: 2, padding: 1)));
        _layers = nn.Sequential(
            ("layer1", Layer(64, 64, 1)),
            ("layer2", Layer(64, 128, 2)),
            ("layer3", Layer(128, 256, 2)),
            ("layer4", Layer(256, 512, 2)));
        _fc = nn.Linear(512, classes);
        RegisterComponents();
    }

    private static Sequential Layer(int input, int output, int stride) =>
        nn.Sequential(("0", new BasicBlock(input, output, stride)), ("1", new BasicBlock(output, output, 1)));

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = _layers.call(_stem.call(x));
        y = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1);
        return _fc.call(y).MoveToOuterDisposeScope();
    }

    private sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d _conv1;
        private readonly BatchNorm2d _bn1;
        private readonly Conv2d _conv2;
        private readonly BatchNorm2d _bn2;
        private readonly Sequential? _downsample;

        public BasicBlock(int input, int output, int stride) : base(nameof(BasicBlock))
        {
            _conv1 = nn.Conv2d(input, output, 3, stride: stride, padding: 1, bias: false);
            _bn1 = nn.BatchNorm2d(output);
            _conv2 = nn.Conv2d(output, output, 3, padding: 1, bias: false);
            _bn2 = nn.BatchNorm2d(output);
            if (stride != 1 || input != output)
                _downsample = nn.Sequential(nn.Conv2d(input, output, 1, stride: stride, bias: false), nn.BatchNorm2d(output));
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            var y = nn.functional.relu(_bn1.call(_conv1.call(x)));
            y = _bn2.call(_conv2.call(y));
            var identity = _downsample is null ? x : _downsample.call(x);
            return nn.functional.relu(y + identity).MoveToOuterDisposeScope();
        }
    }
}
