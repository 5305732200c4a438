using BenchmarkDotNet.Attributes;
using IGOSpp.Benchmarks.Infrastructure;
using IGOSpp.Metrics;

namespace IGOSpp.Benchmarks;

/// <summary>
/// One mask-update iteration (the four integrated terms, the regularizer and the line-search step: an explanation with
/// Iterations = 1) and one full explanation (15 iterations, fewer where the case's early stop ends it), for the fused loop
/// and the reference (unfused, non-reusing) loop.
/// </summary>
public abstract class IgosBenchmarks : BenchmarkBase
{
    public abstract IgosCase Setting { get; set; }

    [ParamsSource(nameof(DeviceNames))]
    public string Device { get; set; } = "cpu";

    [Params("fused", "reference")]
    public string Loop { get; set; } = "fused";

    /// <summary>The type of the model passes (<see cref="IgosOptionsBase.Precision"/>).</summary>
    [Params(ModelPrecision.Float32, ModelPrecision.BFloat16)]
    public ModelPrecision Precision { get; set; } = ModelPrecision.Float32;

    public static IEnumerable<string> DeviceNames() => Devices.Available();

    [GlobalSetup]
    public void GlobalSetup() => Setup(Setting.Model, Device);

    private IgosPlusPlusExplainer Explainer(int iterations)
    {
        var options = new IgosPlusPlusOptions
        {
            MaskSize = Setting.MaskSize, IntegrationSteps = Setting.Steps, Quadrature = Setting.Rule, EarlyStopTolerance = Setting.EarlyStop,
            Iterations = iterations, Seed = 1, Precision = Precision,
        };
        if (Smoke.Enabled) options = options with { Iterations = 1, IntegrationSteps = 2, MinStepSize = 100 };
        return new IgosPlusPlusExplainer(Model, options) { ObjectiveSeam = Loop == "reference" ? ReferenceLoopObjective.Seam : null };
    }

    [Benchmark(Description = "mask update (1 iteration)")]
    public double MaskUpdate()
    {
        Method = nameof(MaskUpdate);
        return Run(1);
    }

    [Benchmark(Description = "Explain (15 iterations)")]
    public double Explain()
    {
        Method = nameof(Explain);
        return Run(15);
    }

    private double Run(int iterations)
    {
        using var explainer = Explainer(iterations);
        using var map = explainer.Explain(Image, ClassId);
        ImagesPerOperation = map.Trace.ForwardImages + map.Trace.BackwardImages;
        return map.Trace.Iterations[^1].Loss;
    }
}

/// <summary>Small CNN at 28×28 (the bundled model's size): masks 7 and 28, the cases of <see cref="IgosCase.All"/>.</summary>
public class SmallCnnIgosBenchmarks : IgosBenchmarks
{
    [ParamsSource(nameof(Cases))]
    public override IgosCase Setting { get; set; } = null!;

    public static IEnumerable<IgosCase> Cases() => IgosCase.All(ModelCase.Small28, 7, 28);
}

/// <summary>ResNet-18 shape at 224×224 (random weights): masks 7, 28 and 224, the cases of <see cref="IgosCase.All"/>.</summary>
public class ResNet18IgosBenchmarks : IgosBenchmarks
{
    [ParamsSource(nameof(Cases))]
    public override IgosCase Setting { get; set; } = null!;

    public static IEnumerable<IgosCase> Cases() => IgosCase.All(ModelCase.ResNet224, 7, 28, 224);
}

/// <summary>The insertion/deletion metric for one image (28×28 saliency: 2·(⌈784/15⌉+1) = 108 forward images).</summary>
public class MetricBenchmarks : BenchmarkBase
{
    private InsertionDeletionMetric _metric = null!;
    private TorchSharp.torch.Tensor _saliency = null!;

    [ParamsSource(nameof(Models))]
    public ModelCase ModelName { get; set; } = null!;

    [ParamsSource(nameof(DeviceNames))]
    public string Device { get; set; } = "cpu";

    public static IEnumerable<ModelCase> Models() => [ModelCase.Small28, ModelCase.ResNet224];

    public static IEnumerable<string> DeviceNames() => Devices.Available();

    [GlobalSetup]
    public void GlobalSetup()
    {
        Setup(ModelName, Device);
        _metric = new InsertionDeletionMetric(Model);
        _saliency = TorchSharp.torch.rand(28, 28, generator: new TorchSharp.torch.Generator(3));
    }

    [Benchmark(Description = "insertion/deletion, one image")]
    public double InsertionDeletion()
    {
        Method = nameof(InsertionDeletion);
        var before = _metric.ForwardImages;
        var result = _metric.Evaluate(Image, ClassId, _saliency);
        ImagesPerOperation = _metric.ForwardImages - before;
        return result.DeletionAuc + result.InsertionAuc;
    }
}
