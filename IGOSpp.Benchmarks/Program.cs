using BenchmarkDotNet.Running;
using IGOSpp.Benchmarks;

if (args.Length > 0 && args[0] == "explain-once") return ExplainOnce.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(ExplainOnce).Assembly).Run(args);
return 0;
