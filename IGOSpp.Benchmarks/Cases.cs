using IGOSpp.Benchmarks.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks;

/// <summary>A benchmarked model: name, input shape, factory.</summary>
public sealed record ModelCase(string Name, long[] Shape)
{
    public static readonly ModelCase Small28 = new("small-28", [1, 28, 28]);
    public static readonly ModelCase ResNet224 = new(UserModel.ComparisonModel.Name, UserModel.ComparisonModel.Shape);

    /// <summary>The bundled, trained Fashion-MNIST model on a real test image (needs dataset-fashion-mnist).</summary>
    public static readonly ModelCase FashionMnist = new("fmnist-trained", [1, 28, 28]);

    public nn.Module<Tensor, Tensor> Create() =>
        Name == Small28.Name ? SmallCnn.Create() : Name == FashionMnist.Name ? IGOSpp.Samples.FashionMnistNet.LoadPretrained() : new ResNet18();

    /// <summary>A seeded image (for the trained model: the first test image); the class to explain is the model's
    /// own prediction, as in real use.</summary>
    public Tensor Image(Device device)
    {
        if (Name == FashionMnist.Name)
        {
            using var data = IGOSpp.Samples.FashionMnist.Load(IGOSpp.Samples.FashionMnistSplit.Test, 1);
            using var x = IGOSpp.Samples.FashionMnistNet.Preprocess(data.Images);
            return x[0].to(device);
        }

        var generator = new torch.Generator(7);
        return torch.randn(Shape, generator: generator).to(device);
    }

    public override string ToString() => Name;
}

/// <summary>One benchmark configuration: model, mask size, integration steps, their quadrature rule
/// (<see cref="IgosOptionsBase.Quadrature"/>) and the early stop's tolerance (null: every iteration runs).</summary>
public sealed record IgosCase(ModelCase Model, int MaskSize, int Steps, IGOSpp.Integration.QuadratureRule Rule = IGOSpp.Integration.QuadratureRule.RightRiemann,
    double? EarlyStop = null)
{
    public override string ToString() => $"{Model.Name}/mask{MaskSize}/S{Steps}" + Rule switch
    {
        IGOSpp.Integration.QuadratureRule.RightRiemann => "",
        IGOSpp.Integration.QuadratureRule.GaussLegendre => "-GL",
        _ => "-trap",
    } + (EarlyStop is null ? "" : "-early");

    /// <summary>Per mask: today's defaults (trapezoid S = 10 with the early stop at 1e-3), the paper's S = 20 right Riemann
    /// sum, S = 10 with the same rule, and Gauss–Legendre with 10 and 5 points (issue 19: fewer model passes;
    /// docs/performance.md compares their AUC). Only the defaults' case stops early; the others run every iteration.</summary>
    public static IEnumerable<IgosCase> All(ModelCase model, params int[] masks)
    {
        var defaults = new IgosPlusPlusOptions();
        foreach (var mask in masks)
        {
            yield return new IgosCase(model, mask, defaults.IntegrationSteps, defaults.Quadrature, defaults.EarlyStopTolerance);
            yield return new IgosCase(model, mask, 10);
            yield return new IgosCase(model, mask, 20);
            yield return new IgosCase(model, mask, 10, IGOSpp.Integration.QuadratureRule.GaussLegendre);
            yield return new IgosCase(model, mask, 5, IGOSpp.Integration.QuadratureRule.GaussLegendre);
        }
    }
}
