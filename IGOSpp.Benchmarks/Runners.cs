using System.Diagnostics;
using System.Globalization;
using IGOSpp.Benchmarks.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks;

/// <summary>
/// Documented measurement runners (docs/benchmarks.md) for figures BenchmarkDotNet cannot give directly:
/// <list type="bullet">
/// <item><c>overhead</c>: one explanation through a <see cref="PassRecorder"/>, then the same passes (batch sizes,
/// forward-only or forward+backward) replayed on the bare model; prints both times, their ratio and the image counts.</item>
/// <item><c>memory</c>: peak RSS of one explanation above the RSS after setup, for one (steps, batch) setting — run
/// each setting in a fresh process.</item>
/// </list>
/// Common options: --model small|fmnist|resnet18 (fmnist = the bundled trained model on the first test image), --mask N, --steps S, --batch B, --iterations N, --threads N,
/// --reference (unfused, non-reusing loop), --cold-start (the paper's line search, no LineSearchWarmStart). The loop is
/// <see cref="RunnerSettings.FixedLoop"/> (right Riemann sum, no early stop), not today's defaults.
/// </summary>
internal static class Runners
{
    public static int Overhead(string[] args)
    {
        var (modelCase, options, reference) = Parse(args);
        using var bare = modelCase.Create();
        bare.eval();
        using var image = modelCase.Image(CPU);
        var classId = Predict(bare, image);
        using var recorder = new PassRecorder(bare);

        var (wall, cpu, sys, map) = Time(() => new IgosPlusPlusExplainer(recorder, options) { ObjectiveSeam = reference ? ReferenceLoopObjective.Seam : null }.Explain(image, classId));
        using (map)
        {
            var passes = recorder.Passes.ToList();
            var (replayWall, replayCpu, replaySys, _) = Time(() =>
            {
                PassRecorder.Replay(bare, passes, modelCase.Shape, CPU);
                return 0;
            });
            var trials = map.Trace.Iterations.Sum(t => t.LineSearchTrials);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"overhead: model {modelCase.Name}, mask {options.MaskSize}, S {options.IntegrationSteps}, batch {options.MaxBatchSize}, " +
                $"iterations {options.Iterations}, loop {(reference ? "reference" : "fused")}, warm start {options.LineSearchWarmStart}, threads {torch.get_num_threads()}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  explain: wall {wall:F2} s, cpu {cpu:F2} s (sys {sys:F2} s); passes {passes.Count} ({passes.Count(p => p.Backward)} forward+backward), " +
                $"images forward-only {recorder.ForwardImages}, forward+backward {recorder.BackwardImages}, line-search trials {trials}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  model alone (same passes): wall {replayWall:F2} s, cpu {replayCpu:F2} s (sys {replaySys:F2} s); overhead ratio {wall / replayWall:F3}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  final loss {map.Trace.Iterations[^1].Loss:F5}, mask mean {map.Mask.mean().item<float>():F4}"));
        }

        return 0;
    }

    public static int Memory(string[] args)
    {
        var (modelCase, options, reference) = Parse(args);
        using var model = modelCase.Create();
        model.eval();
        using var image = modelCase.Image(CPU);
        var classId = Predict(model, image);
        using var memory = NativeMemory.Start("cpu");
        var (wall, _, sys, map) = Time(() => new IgosPlusPlusExplainer(model, options) { ObjectiveSeam = reference ? ReferenceLoopObjective.Seam : null }.Explain(image, classId));
        map.Dispose();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory: model {modelCase.Name}, mask {options.MaskSize}, S {options.IntegrationSteps}, batch {options.MaxBatchSize}, " +
            $"iterations {options.Iterations}: peak RSS above setup {memory.PeakDeltaBytes / (1024.0 * 1024.0):F1} MB, wall {wall:F2} s, sys {sys:F2} s"));
        return 0;
    }

    private static long Predict(nn.Module<Tensor, Tensor> model, Tensor image)
    {
        using var inference = torch.inference_mode();
        using var logits = model.call(image.unsqueeze(0));
        return logits.argmax(1).item<long>();
    }

    /// <summary>Wall time, CPU time (user + kernel) and kernel ("sys") time of an action, in seconds.</summary>
    internal static (double Wall, double Cpu, double Sys, T Result) Time<T>(Func<T> action)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var sys0 = process.PrivilegedProcessorTime;
        var clock = Stopwatch.StartNew();
        var result = action();
        clock.Stop();
        process.Refresh();
        return (clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu0).TotalSeconds,
            (process.PrivilegedProcessorTime - sys0).TotalSeconds, result);
    }

    internal static (ModelCase Model, IgosPlusPlusOptions Options, bool Reference) Parse(string[] args)
    {
        string? Arg(string name) => RunnerArgs.Value(args, name);
        int Int(string name, int fallback) => RunnerArgs.Int(args, name, fallback);

        if (Arg("--threads") is { } threads)
        {
            var count = int.Parse(threads, CultureInfo.InvariantCulture);
            torch.set_num_threads(count);
            IgosThreading.MaxIntraOpThreads = count; // explanations set libtorch's thread count themselves
        }

        var model = Arg("--model") switch
        {
            "small" => ModelCase.Small28,
            "fmnist" => ModelCase.FashionMnist,
            _ => ModelCase.ResNet224,
        };
        var options = RunnerSettings.FixedLoop with
        {
            MaskSize = Int("--mask", 28),
            IntegrationSteps = Int("--steps", 20),
            MaxBatchSize = Int("--batch", 64),
            Iterations = Int("--iterations", 15),
            LineSearchWarmStart = !args.Contains("--cold-start"),
            Seed = 1,
        };
        return (model, options, args.Contains("--reference"));
    }
}
