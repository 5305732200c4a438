using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks.Models;

/// <summary>A small CNN for 1×28×28 inputs (the size of the bundled Fashion-MNIST model) with seeded random weights.</summary>
public static class SmallCnn
{
    public static nn.Module<Tensor, Tensor> Create(long seed = 0)
    {
        torch.manual_seed(seed);
        return nn.Sequential(
            ("conv1", nn.Conv2d(1, 32, 3, padding: 1)),
            ("bn1", nn.BatchNorm2d(32)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(32, 64, 3, padding: 1)),
            ("bn2", nn.BatchNorm2d(64)),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)),
            ("conv3", nn.Conv2d(64, 128, 3, padding: 1)),
            ("relu3", nn.ReLU()),
            ("gap", nn.AdaptiveAvgPool2d(1)),
            ("flat", nn.Flatten()),
            ("fc", nn.Linear(128, 10)));
    }
}
