using BenchmarkDotNet.Running;
using IGOSpp.Benchmarks;

// explain-once [--model resnet18|small] [--mask 28] [--threads N] [--reference] [--precision Float32|BFloat16]   time one explanation
// precision-passes [--batch 32] [--repeat 3] [--threads N]   ResNet-18 model passes in float32 and bfloat16
// throughput [--images 32] [--batch 320] [--steps 20] [--repeat 3] [--threads N]   BatchAcrossImages on the small CNN
// [--preset short|standard|dry] [--artifacts DIR] <BenchmarkDotNet arguments, e.g. --filter *SmallCnn*>
// soak [--count 10000] | concurrency [--images 8] [--threads 4] [--no-sharing] | busy [--seconds N]
// overhead | memory [--model small|resnet18] [--mask 28] [--steps 20] [--batch 64] [--iterations 15] [--reference] [--cold-start]
if (args.Length > 0 && args[0] == "explain-once") return ExplainOnce.Run(args[1..]);
if (args.Length > 0 && args[0] == "precision-passes") return PrecisionPasses.Run(args[1..]);
if (args.Length > 0 && args[0] == "throughput") return Throughput.Run(args[1..]);
if (args.Length > 0 && args[0] == "overhead") return Runners.Overhead(args[1..]);
if (args.Length > 0 && args[0] == "memory") return Runners.Memory(args[1..]);
if (args.Length > 0 && args[0] == "soak") return Soak.Run(args[1..]);
if (args.Length > 0 && args[0] == "concurrency") return Concurrency.Run(args[1..]);
if (args.Length > 0 && args[0] == "busy") return Concurrency.Busy(args[1..]);
if (args.Length > 0 && args[0] == "model") return IGOSpp.Benchmarks.UserModel.ModelCommand.Run(args[1..]);

var preset = "short";
string? artifacts = null;
var rest = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--preset" && i + 1 < args.Length) preset = args[++i];
    else if (args[i] == "--artifacts" && i + 1 < args.Length) artifacts = args[++i];
    else rest.Add(args[i]);
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(Config).Assembly).Run([.. rest], Config.Create(preset, artifacts));
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
