using System.Diagnostics;
using System.Globalization;
using IGOSpp.Benchmarks.Infrastructure;
using IGOSpp.Samples;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks;

/// <summary>
/// <c>concurrency [--images 8] [--threads 4] [--no-sharing]</c>: explains the first Fashion-MNIST test images with the
/// bundled model (default iGOS++ options, Seed 1) (a) sequentially in one thread, (b) from several concurrent threads,
/// (c) as one batched call, (d) as (a) while a second process keeps both cores busy; prints the wall and CPU time of
/// each and checks that (a), (b) and (c) give identical masks. <c>--no-sharing</c> turns off
/// <see cref="IgosThreading.ShareCoresBetweenConcurrentExplanations"/> (libtorch's thread count as the host left it).
/// docs/performance.md quotes a run. <c>busy --seconds N --threads N</c> is the load generator of (d).
/// </summary>
internal static class Concurrency
{
    public static int Run(string[] args)
    {
        var count = RunnerArgs.Int(args, "--images", 8);
        var threadCount = RunnerArgs.Int(args, "--threads", 4);
        if (args.Contains("--no-sharing")) IgosThreading.ShareCoresBetweenConcurrentExplanations = false;
        using var model = FashionMnistNet.LoadPretrained();
        using var data = FashionMnist.Load(FashionMnistSplit.Test, count);
        using var images = FashionMnistNet.Preprocess(data.Images);
        long[] classes;
        using (torch.inference_mode())
        using (var logits = model.call(images))
            classes = logits.argmax(1).data<long>().ToArray();
        var options = new IgosPlusPlusOptions { Seed = 1 };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"concurrency: {count} Fashion-MNIST test images, bundled model, default iGOS++ options (Seed 1), {Environment.ProcessorCount} cores, " +
            $"OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "(unset)"}, sharing {IgosThreading.ShareCoresBetweenConcurrentExplanations}"));

        float[] ExplainOne(int i)
        {
            using var explainer = new IgosPlusPlusExplainer(model, options);
            using var image = images[i].clone();
            using var map = explainer.Explain(image, classes[i]);
            return map.Mask.data<float>().ToArray();
        }

        var (aWall, aCpu, a) = Measure(() => Enumerable.Range(0, count).Select(ExplainOne).ToArray());
        Report("(a) sequential, 1 thread", aWall, aCpu);

        var (bWall, bCpu, b) = Measure(() =>
        {
            var results = new float[count][];
            var workers = Enumerable.Range(0, threadCount).Select(t => new Thread(() =>
            {
                for (var i = t; i < count; i += threadCount) results[i] = ExplainOne(i);
            })).ToArray();
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
            return results;
        });
        Report($"(b) {threadCount} concurrent threads", bWall, bCpu);

        var (cWall, cCpu, c) = Measure(() =>
        {
            using var explainer = new IgosPlusPlusExplainer(model, options);
            var maps = explainer.Explain(images, classes);
            var masks = maps.Select(m => m.Mask.data<float>().ToArray()).ToArray();
            foreach (var m in maps) m.Dispose();
            return masks;
        });
        Report("(c) one batched call", cWall, cCpu);

        using var busy = StartBusy(600);
        Thread.Sleep(1000);
        var (dWall, dCpu, _) = Measure(() => Enumerable.Range(0, count).Select(ExplainOne).ToArray());
        busy.Kill(entireProcessTree: true);
        Report("(d) = (a) with a second process keeping both cores busy", dWall, dCpu);

        var best = Math.Min(aWall, cWall);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"(b) / best of (a),(c): {bWall / best:F2}   (d) / (a): {dWall / aWall:F2}"));
        Console.WriteLine($"identical masks: (a) = (b): {Same(a, b)}, (a) = (c): {Same(a, c)}");
        return 0;
    }

    /// <summary>The load generator: N threads spinning for the given time.</summary>
    public static int Busy(string[] args)
    {
        var seconds = RunnerArgs.Int(args, "--seconds", 60);
        var threads = RunnerArgs.Int(args, "--threads", Environment.ProcessorCount);
        var end = DateTime.UtcNow.AddSeconds(seconds);
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            double x = 1;
            while (DateTime.UtcNow < end)
                for (var i = 0; i < 1_000_000; i++) x = x * 1.0000001 + 1e-9;
            GC.KeepAlive(x);
        })).ToArray();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        return 0;
    }

    private static Process StartBusy(int seconds)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find the benchmark executable.");
        var start = new ProcessStartInfo(self) { UseShellExecute = false };
        if (self.EndsWith("dotnet", StringComparison.Ordinal)) start.ArgumentList.Add(typeof(Concurrency).Assembly.Location);
        foreach (var a in new[] { "busy", "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        return Process.Start(start) ?? throw new InvalidOperationException("Could not start the load generator.");
    }

    private static bool Same(float[][] x, float[][] y) => x.Zip(y).All(p => p.First.AsSpan().SequenceEqual(p.Second));

    private static void Report(string name, double wall, double cpu) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-58} wall {wall,7:F2} s   cpu {cpu,7:F2} s"));

    private static (double Wall, double Cpu, T Result) Measure<T>(Func<T> action)
    {
        var (wall, cpu, _, result) = Runners.Time(action);
        return (wall, cpu, result);
    }

}
