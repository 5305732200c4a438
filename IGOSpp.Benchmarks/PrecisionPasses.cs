using System.Diagnostics;
using System.Globalization;
using IGOSpp.Benchmarks.Models;
using IGOSpp.Benchmarks.Infrastructure;
using IGOSpp.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks;

/// <summary>
/// <c>precision-passes [--batch 32] [--repeat 3] [--threads N] [--converted]</c>: times the model passes of an explanation on the
/// ResNet-18 at 224×224 — forward+backward with respect to an input mask, and forward only in inference mode — in
/// float32 and under the bfloat16 autocast that <see cref="IgosOptionsBase.Precision"/> uses, and prints the best of
/// <c>--repeat</c> runs after one warm-up each.
/// </summary>
internal static class PrecisionPasses
{
    public static int Run(string[] args)
    {
        var batch = int.Parse(RunnerArgs.Value(args, "--batch") ?? "32", CultureInfo.InvariantCulture);
        var repeat = int.Parse(RunnerArgs.Value(args, "--repeat") ?? "3", CultureInfo.InvariantCulture);
        if (RunnerArgs.Value(args, "--threads") is { } threads) torch.set_num_threads(int.Parse(threads, CultureInfo.InvariantCulture));
        using var net = new ResNet18();
        net.eval();
        torch.manual_seed(7);
        using var images = torch.randn(batch, 3, 224, 224);
        foreach (var precision in new[] { ModelPrecision.Float32, ModelPrecision.BFloat16 })
        {
            var backward = Best(repeat, () => Pass(net, images, precision, gradients: true));
            var forward = Best(repeat, () => Pass(net, images, precision, gradients: false));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"precision-passes: ResNet-18 {batch}x3x224x224, {precision}, threads {torch.get_num_threads()}: " +
                $"forward+backward {backward:F2} s, forward {forward:F2} s"));
        }

        if (args.Contains("--converted"))
        {
            // For comparison: the whole model converted with .to(BFloat16), inputs cast to bfloat16 (what a converted copy
            // of the model would cost; batch norm then also runs in bfloat16).
            using var converted = new ResNet18();
            converted.eval();
            converted.to(ScalarType.BFloat16);
            var backward = Best(repeat, () => Pass(converted, images, ModelPrecision.Float32, gradients: true, ScalarType.BFloat16));
            var forward = Best(repeat, () => Pass(converted, images, ModelPrecision.Float32, gradients: false, ScalarType.BFloat16));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"precision-passes: ResNet-18 {batch}x3x224x224, converted to BFloat16, threads {torch.get_num_threads()}: " +
                $"forward+backward {backward:F2} s, forward {forward:F2} s"));
        }

        return 0;
    }

    private static double Best(int repeat, Action pass)
    {
        pass();
        var best = double.MaxValue;
        for (var i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            pass();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static void Pass(nn.Module<Tensor, Tensor> net, Tensor images, ModelPrecision precision, bool gradients,
        ScalarType input = ScalarType.Float32)
    {
        using var scope = torch.NewDisposeScope();
        using var mode = gradients ? torch.enable_grad() : torch.inference_mode();
        var mask = torch.full(images.shape[0], 1, 224, 224, 0.5f, requires_grad: gradients);
        Tensor logits;
        using (AutocastScope.Enter(precision, images.device)) logits = net.call((images * mask).to(input));
        var score = logits.to(ScalarType.Float32).softmax(1)[.., 0].sum();
        if (gradients) _ = torch.autograd.grad([score], [mask])[0].sum().item<float>();
        else _ = score.item<float>();
    }
}
