using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks.UserModel;

/// <summary>
/// <c>model (--onnx FILE | --torchscript FILE | --state-dict FILE --arch NAME) --input CxHxW [...]</c>: benchmarks iGOS++ on the user's own model
/// (GitHub issue 8). Loads and checks the model, prints a MaxBatchSize recommendation, then runs
/// <see cref="UserModelBenchmarks"/> in-process and writes BenchmarkDotNet's reports to --out. See docs/benchmarks.md.
/// </summary>
public static class ModelCommand
{
    /// <summary>Runs the command; returns the process exit code (0 success, 1 a benchmark failed, 2 bad arguments or model).</summary>
    public static int Run(string[] args)
    {
        ModelCommandOptions options;
        var cases = new List<UserModelCase>();
        try
        {
            options = ModelCommandOptions.Parse(args);
            cases.Add(LoadChecked(options));
            if (options.Compare)
            {
                var compare = options with { Shape = ComparisonModel.Shape };
                var model = ComparisonModel.Create();
                var check = UserModelLoader.Check(model, ComparisonModel.Shape, options.Device);
                cases.Add(new UserModelCase(ComparisonModel.Name + " (built-in)", model, ComparisonModel.Shape, check.PredictedClass, compare));
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FileNotFoundException or InvalidDataException or InvalidOperationException)
        {
            Console.Error.WriteLine("model: " + ex.Message);
            foreach (var c in cases) c.Dispose();
            return 2;
        }

        try
        {
            var user = cases[0];
            var advice = BatchSizeAdvisor.Advise(user.Bare, user.Shape, options.Device, options.Steps);
            Console.WriteLine(advice.Reasoning);
            Directory.CreateDirectory(options.Output);
            File.WriteAllText(Path.Combine(options.Output, "batch-size-recommendation.txt"), advice.Reasoning);

            UserModelRun.Cases = cases;
            var summary = BenchmarkRunner.Run<UserModelBenchmarks>(CreateConfig(options.Preset, options.Output));
            Console.WriteLine(advice.Reasoning);
            return summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success) ? 1 : 0;
        }
        finally
        {
            UserModelRun.Cases = [];
            foreach (var c in cases) c.Dispose();
        }
    }

    /// <summary>Loads the user's model, checks it on a random batch and prints what was found.</summary>
    private static UserModelCase LoadChecked(ModelCommandOptions options)
    {
        var model = UserModelLoader.Load(options.Format, options.Path, options.Architecture, options.Classes);
        try
        {
            var check = UserModelLoader.Check(model, options.Shape, options.Device);
            var prepared = UserModelLoader.Prepare(model, check);
            var parameters = model.parameters().Sum(p => p.numel()) + model.buffers().Sum(b => b.numel());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model: {options.Path} ({options.Format}{(options.Architecture is { } arch ? $" {arch}" : "")}), input {options.ShapeText}, {check.Classes} outputs" +
                $"{(check.Flattened ? " (trailing 1×1 dimensions flattened)" : "")}, {parameters:N0} weights, explaining class {check.PredictedClass} (the prediction for a seeded random image), " +
                $"device {options.Device}, mask {options.MaskSize}, S {options.Steps}, iterations {options.Iterations}, MaxBatchSize {options.EffectiveBatchSize}, torch threads {torch.get_num_threads()}"));
            return new UserModelCase(Path.GetFileName(options.Path), prepared, options.Shape, check.PredictedClass, options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The command's BenchmarkDotNet configuration: in-process, monitoring strategy, with the presets
    /// <c>standard</c> (2 warm-ups, 10 iterations), <c>short</c> (1 warm-up, 3 iterations), <c>once</c> (no warm-up,
    /// 1 iteration: for models whose explanation takes minutes) and <c>dry</c> (CI); GitHub markdown, CSV and HTML reports.
    /// </summary>
    public static IConfig CreateConfig(string preset, string output)
    {
        var job = preset switch
        {
            "dry" => Job.Dry,
            "once" => Job.Default.WithStrategy(RunStrategy.Monitoring).WithWarmupCount(0).WithIterationCount(1),
            "short" => Job.Default.WithStrategy(RunStrategy.Monitoring).WithWarmupCount(1).WithIterationCount(3),
            _ => Job.Default.WithStrategy(RunStrategy.Monitoring).WithWarmupCount(2).WithIterationCount(10),
        };
        return ManualConfig.CreateEmpty()
            .AddJob(job.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithId(preset))
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(UserModelColumns.All())
            .AddLogger(ConsoleLogger.Default)
            .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default, HtmlExporter.Default)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator)
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(64))
            .WithArtifactsPath(output);
    }
}
