using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using IGOSpp.Benchmarks.Infrastructure;

namespace IGOSpp.Benchmarks;

/// <summary>
/// Benchmark configurations. All run in-process (TorchSharp's native libraries are already loaded and the metrics
/// registry is shared) with the monitoring strategy (one invocation per iteration: an explanation is seconds long).
/// <list type="bullet">
/// <item><c>short</c>: 1 warm-up, 3 measured iterations — minutes on 2 cores for the small model.</item>
/// <item><c>standard</c>: 2 warm-ups, 10 measured iterations.</item>
/// <item><c>dry</c>: one invocation of everything, no statistics — CI's check that no benchmark rots.</item>
/// </list>
/// </summary>
public static class Config
{
    public static IConfig Create(string preset, string? artifacts = null)
    {
        var job = preset switch
        {
            "dry" => Job.Dry,
            "standard" => Job.Default.WithStrategy(RunStrategy.Monitoring).WithWarmupCount(2).WithIterationCount(10),
            _ => Job.Default.WithStrategy(RunStrategy.Monitoring).WithWarmupCount(1).WithIterationCount(3),
        };
        job = job.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithId(preset);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(new RunMetrics.ImagesPerOperationColumn(), new RunMetrics.ImagesPerSecondColumn(), new RunMetrics.PeakNativeMemoryColumn())
            .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default, HtmlExporter.Default)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);
        if (artifacts is not null) config = config.WithArtifactsPath(artifacts);
        return config;
    }
}
