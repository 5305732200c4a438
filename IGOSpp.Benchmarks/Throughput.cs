using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using IGOSpp.Benchmarks.Infrastructure;
using IGOSpp.Benchmarks.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks;

/// <summary>
/// <c>throughput [--images 32] [--batch 320] [--steps 20] [--repeat 3] [--threads N]</c>: explains a batch of seeded
/// 28×28 images with the small CNN (<see cref="RunnerSettings.FixedLoop"/> otherwise: S right-Riemann path points, every
/// iteration) once with passes per image and once with
/// <see cref="IgosOptionsBase.BatchAcrossImages"/>, and prints images per second, model passes and how far the maps of the
/// two modes are apart (the throughput mode is not bit-for-bit equal). Each mode runs <c>--repeat</c> times after one
/// untimed warm-up; the best run counts.
/// </summary>
internal static class Throughput
{
    public static int Run(string[] args)
    {
        var count = RunnerArgs.Int(args, "--images", 32);
        var batch = RunnerArgs.Int(args, "--batch", 320);
        var steps = RunnerArgs.Int(args, "--steps", 20);
        var repeat = RunnerArgs.Int(args, "--repeat", 3);
        if (RunnerArgs.Value(args, "--threads") is { } threads) torch.set_num_threads(int.Parse(threads, CultureInfo.InvariantCulture));
        if (count < 1 || batch < 1 || steps < 1 || repeat < 1)
        {
            Console.Error.WriteLine("throughput: --images, --batch, --steps and --repeat must be ≥ 1.");
            return 2;
        }

        using var net = SmallCnn.Create();
        net.eval();
        using var recorder = new PassRecorder(net);
        torch.manual_seed(11);
        using var images = torch.randn(count, 1, 28, 28);
        long[] classes;
        using (torch.inference_mode())
        using (var logits = net.call(images))
        using (var predicted = logits.argmax(1))
            classes = predicted.data<long>().ToArray();

        var options = RunnerSettings.FixedLoop with { Seed = 1, IntegrationSteps = steps, MaxBatchSize = batch };
        var perImage = Measure(recorder, options, images, classes, repeat);
        var packed = Measure(recorder, options with { BatchAcrossImages = true }, images, classes, repeat);
        using (var diff = (packed.Masks - perImage.Masks).abs())
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"throughput: small CNN {count}x1x28x28, mask {options.MaskSize}, S {steps}, MaxBatchSize {batch}, threads {torch.get_num_threads()}"));
            foreach (var (name, run) in new[] { ("per image", perImage), ("across images", packed) })
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-13}: {count / run.Seconds:F2} images/s ({run.Seconds:F2} s), {run.Passes} model passes, {run.Images} model images"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  maps across images vs per image: max |Δ| {diff.max().item<float>():G3}, mean |Δ| {diff.mean().item<float>():G3}"));
        }

        perImage.Masks.Dispose();
        packed.Masks.Dispose();
        return 0;
    }

    private static (double Seconds, int Passes, long Images, Tensor Masks) Measure(PassRecorder recorder, IgosPlusPlusOptions options,
        Tensor images, long[] classes, int repeat)
    {
        using var explainer = new IgosPlusPlusExplainer(recorder, options);
        var best = double.PositiveInfinity;
        Tensor? masks = null;
        var (passes, imagesThrough) = (0, 0L);
        for (var r = 0; r <= repeat; r++)
        {
            recorder.Passes.Clear();
            var clock = Stopwatch.StartNew();
            var maps = explainer.Explain(images, classes);
            clock.Stop();
            if (r > 0) best = Math.Min(best, clock.Elapsed.TotalSeconds);
            (passes, imagesThrough) = (recorder.Passes.Count, recorder.ForwardImages + recorder.BackwardImages);
            masks?.Dispose();
            masks = torch.stack(maps.Select(m => m.Mask).ToArray());
            foreach (var m in maps) m.Dispose();
        }

        return (best, passes, imagesThrough, masks!);
    }
}

/// <summary>Explaining a batch of eight 28×28 images with the small CNN, with passes per image and packed across images
/// (<see cref="IgosOptionsBase.BatchAcrossImages"/>), MaxBatchSize 320.</summary>
public class ThroughputBenchmarks : BenchmarkBase
{
    private const int Images = 8;
    private Tensor? _images;
    private long[] _classes = [];

    [Params(false, true)]
    public bool BatchAcrossImages { get; set; }

    [GlobalSetup]
    public void GlobalSetup()
    {
        Setup(ModelCase.Small28, "cpu");
        torch.manual_seed(11);
        _images = torch.randn(Images, 1, 28, 28);
        using var inference = torch.inference_mode();
        using var logits = Model.call(_images);
        using var predicted = logits.argmax(1);
        _classes = predicted.data<long>().ToArray();
    }

    protected override void DisposeInputs() => _images?.Dispose();

    [Benchmark(Description = "Explain 8 images (iGOS++ defaults, MaxBatchSize 320)")]
    public double ExplainBatch()
    {
        Method = nameof(ExplainBatch);
        var options = new IgosPlusPlusOptions { Seed = 1, MaxBatchSize = 320, BatchAcrossImages = BatchAcrossImages };
        if (Smoke.Enabled) options = options with { Iterations = 1, IntegrationSteps = 2, MinStepSize = 100 };
        using var explainer = new IgosPlusPlusExplainer(Model, options);
        var maps = explainer.Explain(_images!, _classes);
        ImagesPerOperation = maps[0].Trace.ForwardImages + maps[0].Trace.BackwardImages; // each map's trace counts the whole batch
        var loss = maps.Sum(m => m.Trace.Iterations[^1].Loss);
        foreach (var m in maps) m.Dispose();
        return loss;
    }
}
