using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Support;

/// <summary>Small models with known behaviour, in the spirit of captum's basic_models.</summary>
public static class TestModels
{
    /// <summary>Two logits: [0, w·x + b] with w [C,H,W]; so sigmoid-of-class-1 under Softmax is σ(w·x + b).</summary>
    public sealed class LinearModel : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter _w;
        private readonly Parameter _b;

        public LinearModel(Tensor weight, double bias) : base(nameof(LinearModel))
        {
            _w = new Parameter(weight.clone(), requires_grad: true);
            _b = new Parameter(torch.tensor((float)bias), requires_grad: true);
            RegisterComponents();
        }

        public Tensor Weight => _w;

        public override Tensor forward(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            var z = (x * _w).flatten(1).sum(1) + _b;
            return torch.stack([torch.zeros_like(z), z], 1).MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// Class 1's logit is a·(mean over a square of x⊙P − 0.5) where P is a ±1 checkerboard; class 0's logit is 0.
    /// Nothing outside the square matters.
    /// </summary>
    public sealed class PlantedEvidenceModel : nn.Module<Tensor, Tensor>
    {
        private readonly Tensor _pattern;

        public PlantedEvidenceModel(int size, int top, int left, int side, double gain = 8) : base(nameof(PlantedEvidenceModel))
        {
            Size = size;
            Top = top;
            Left = left;
            Side = side;
            Gain = gain;
            var p = torch.zeros(1, size, size);
            var checker = (torch.arange(side).unsqueeze(1) + torch.arange(side).unsqueeze(0)).remainder(2) * 2 - 1;
            p[0, top..(top + side), left..(left + side)] = checker.to(ScalarType.Float32);
            _pattern = p;
            register_buffer("pattern", _pattern);
        }

        public int Size { get; }
        public int Top { get; }
        public int Left { get; }
        public int Side { get; }
        public double Gain { get; }

        /// <summary>An image whose square holds the pattern and whose rest is smooth.</summary>
        public Tensor MakeImage()
        {
            using var scope = torch.NewDisposeScope();
            var ramp = torch.linspace(-0.5, 0.5, Size).unsqueeze(0).expand(Size, Size).unsqueeze(0);
            var image = ramp.clone();
            var inside = _pattern.abs() > 0;
            image = torch.where(inside, _pattern, image);
            return image.MoveToOuterDisposeScope();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            var s = (x * _pattern).flatten(1).sum(1) / (Side * Side);
            var z = Gain * (s - 0.5);
            return torch.stack([torch.zeros_like(z), z], 1).MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// A model whose class score collapses under the iGOS++ path noise, as the ImageNet ResNet-18 with a Fashion-MNIST head
    /// does at 224×224 (docs/methods.md): on [N,3,56,56] images, class 1's logit is
    /// Gain·(mean over the evidence square of the channel mean − 0.5) − Fragility·(mean over a small background window of
    /// the squared Laplacian of the channel mean); class 0's logit is 0. Smooth images have no Laplacian energy in the
    /// window, so the clean score is σ(Gain/2) (0.88 by default); N(0, 0.2²) pixel noise gives the window a Laplacian
    /// energy of about 20·0.2²/3 = 0.27 whose size varies from draw to draw (64 pixels), so the noisy score drops to
    /// about 0.3 % and fluctuates by a factor of several between noise draws.
    /// </summary>
    public sealed class NoiseFragileModel : nn.Module<Tensor, Tensor>
    {
        public const int Size = 56;
        public const int Top = 20, Left = 28, Side = 16;
        private const int WindowTop = 2, WindowLeft = 2, WindowSide = 8;
        private readonly Tensor _laplacian;

        public NoiseFragileModel(double gain = 4, double fragility = 30) : base(nameof(NoiseFragileModel))
        {
            Gain = gain;
            Fragility = fragility;
            _laplacian = torch.tensor(new float[] { 0, 1, 0, 1, -4, 1, 0, 1, 0 }).view(1, 1, 3, 3);
            register_buffer("laplacian", _laplacian);
        }

        public double Gain { get; }
        public double Fragility { get; }

        /// <summary>A smooth RGB image: 0 everywhere and 1 on the evidence square (the window is far from its edges).</summary>
        public static Tensor MakeImage()
        {
            var image = torch.zeros(3, Size, Size);
            image[.., Top..(Top + Side), Left..(Left + Side)] = torch.tensor(1f);
            return image;
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            var gray = x.mean([1], keepdim: true);
            var evidence = gray[.., .., Top..(Top + Side), Left..(Left + Side)].flatten(1).mean([1]);
            var window = gray[.., .., (WindowTop - 1)..(WindowTop + WindowSide + 1), (WindowLeft - 1)..(WindowLeft + WindowSide + 1)];
            var energy = nn.functional.conv2d(window, _laplacian).square().flatten(1).mean([1]);
            var z = Gain * (evidence - 0.5) - Fragility * energy;
            return torch.stack([torch.zeros_like(z), z], 1).MoveToOuterDisposeScope();
        }
    }

    /// <summary>
    /// A [N,1,28,28] → 10 CNN whose forward opens its own dispose scope and moves only the logits out, as user models
    /// written by the TorchSharp memory guide (and the samples' FashionMnistNet) do: intermediate activations are disposed
    /// when forward returns, unless something else holds them.
    /// </summary>
    public sealed class ScopedCnn : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d _conv1;
        private readonly Conv2d _conv2;
        private readonly Linear _fc;

        public ScopedCnn(int seed = 3) : base(nameof(ScopedCnn))
        {
            torch.manual_seed(seed);
            _conv1 = nn.Conv2d(1, 8, 3, padding: 1);
            _conv2 = nn.Conv2d(8, 16, 3, padding: 1);
            _fc = nn.Linear(16, 10);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            var h = nn.functional.max_pool2d(nn.functional.relu(_conv1.call(x)), 2);
            h = nn.functional.relu(_conv2.call(h));
            return _fc.call(h.mean([2, 3])).MoveToOuterDisposeScope();
        }
    }

    /// <summary>A small smooth CNN (tanh activations) with seeded random weights.</summary>
    public static nn.Module<Tensor, Tensor> SmoothCnn(int channels = 1, int classes = 3, int seed = 1)
    {
        torch.manual_seed(seed);
        return nn.Sequential(
            ("conv1", nn.Conv2d(channels, 4, 3, padding: 1)),
            ("act1", nn.Tanh()),
            ("pool", nn.AvgPool2d(2)),
            ("conv2", nn.Conv2d(4, 6, 3, padding: 1)),
            ("act2", nn.Tanh()),
            ("gap", nn.AdaptiveAvgPool2d(1)),
            ("flat", nn.Flatten()),
            ("fc", nn.Linear(6, classes)));
    }

    /// <summary>A small ReLU CNN with batch norm and dropout (train/eval matters) and seeded weights.</summary>
    public static nn.Module<Tensor, Tensor> SmallCnn(int channels = 1, int classes = 10, int seed = 2)
    {
        torch.manual_seed(seed);
        return nn.Sequential(
            ("conv1", nn.Conv2d(channels, 8, 3, padding: 1)),
            ("bn1", nn.BatchNorm2d(8)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(8, 16, 3, padding: 1)),
            ("relu2", nn.ReLU()),
            ("gap", nn.AdaptiveAvgPool2d(1)),
            ("flat", nn.Flatten()),
            ("drop", nn.Dropout(0.2)),
            ("fc", nn.Linear(16, classes)));
    }
}
