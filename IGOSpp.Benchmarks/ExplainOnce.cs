using System.Diagnostics;
using System.Globalization;
using IGOSpp.Benchmarks.Infrastructure;
using IGOSpp.Benchmarks.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks;

/// <summary>
/// <c>explain-once [--model resnet18|small] [--mask 28] [--threads N] [--reference] [--precision Float32|BFloat16] [--paper]</c>:
/// times one default iGOS++ explanation (with <c>--paper</c>: <see cref="IgosPlusPlusOptions.Paper"/>) of the class the
/// model predicts (after one untimed forward pass that finds it) and prints wall time, CPU time, iterations, model passes
/// and images.
/// </summary>
internal static class ExplainOnce
{
    public static int Run(string[] args)
    {
        var model = RunnerArgs.Value(args, "--model") ?? "resnet18";
        var mask = int.Parse(RunnerArgs.Value(args, "--mask") ?? "28", CultureInfo.InvariantCulture);
        if (RunnerArgs.Value(args, "--threads") is { } threads) torch.set_num_threads(int.Parse(threads, CultureInfo.InvariantCulture));
        var reference = args.Contains("--reference");
        var paper = args.Contains("--paper");
        var precision = Enum.Parse<ModelPrecision>(RunnerArgs.Value(args, "--precision") ?? nameof(ModelPrecision.Float32), ignoreCase: true);

        using var net = model == "small" ? SmallCnn.Create() : (nn.Module<Tensor, Tensor>)new ResNet18();
        var shape = model == "small" ? new long[] { 1, 28, 28 } : [3, 224, 224];
        torch.manual_seed(7);
        using var image = torch.randn(shape);
        net.eval();
        long classId;
        using (torch.inference_mode())
        using (var logits = net.call(image.unsqueeze(0)))
            classId = logits.argmax(1).item<long>();

        var explainer = new IgosPlusPlusExplainer(net, (paper ? IgosPlusPlusOptions.Paper : new IgosPlusPlusOptions()) with { MaskSize = mask, Seed = 1, Precision = precision }) { ObjectiveSeam = reference ? ReferenceLoopObjective.Seam : null };
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        using var map = explainer.Explain(image, classId);
        clock.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        var trials = map.Trace.Iterations.Sum(t => t.LineSearchTrials);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"explain-once: model {model} {string.Join('x', shape)}, mask {mask}, loop {(reference ? "reference" : "fused")}, {(paper ? "paper's settings" : "defaults")}, {precision}, threads {torch.get_num_threads()}: " +
            $"wall {clock.Elapsed.TotalSeconds:F2} s, cpu {cpu.TotalSeconds:F2} s, iterations {map.Trace.Iterations.Count}, forward images {map.Trace.ForwardImages}, " +
            $"forward+backward images {map.Trace.BackwardImages}, line-search trials {trials}, final loss {map.Trace.Iterations[^1].Loss:F4}"));
        return 0;
    }

}
