using System.Diagnostics;
using System.Globalization;
using IGOSpp.Benchmarks.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks;

/// <summary>
/// <c>soak [--count 10000] [--every 1000]</c>: explains images of the small 28×28 CNN over and over in one process
/// (MaskSize 7, 2 iterations, 4 integration steps: the whole code path, quickly) and prints the process RSS, the live
/// tensor count and the managed heap every <c>every</c> explanations, then the growth after warm-up (from the first
/// report to the last). docs/robustness.md quotes a run.
/// </summary>
internal static class Soak
{
    public static int Run(string[] args)
    {
        var count = RunnerArgs.Int(args, "--count", 10_000);
        var every = RunnerArgs.Int(args, "--every", 1_000);
        using var model = ModelCase.Small28.Create();
        model.eval();
        var generator = new torch.Generator(5);
        using var explainer = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 7, Iterations = 2, IntegrationSteps = 4 });
        var clock = Stopwatch.StartNew();
        long first = 0, last = 0;
        for (var i = 1; i <= count; i++)
        {
            using (var image = torch.randn([1, 28, 28], generator: generator))
            using (var map = explainer.Explain(image, i % 10))
            {
                if (map.Mask.shape[0] != 7) return 1;
            }

            if (i % every == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var rss = Rss();
                if (first == 0) first = rss;
                last = rss;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"soak: {i,6} explanations, RSS {rss / 1048576.0,8:F1} MB, live tensors {DisposeScopeManager.Statistics.ThreadTotalLiveCount}, " +
                    $"managed heap {GC.GetTotalMemory(false) / 1048576.0:F1} MB, {clock.Elapsed.TotalSeconds:F0} s"));
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: RSS growth after warm-up (report 1 → last): {(last - first) / 1048576.0:F1} MB = {100.0 * (last - first) / first:F2} %"));
        return 0;
    }

    private static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return -1;
    }

}
