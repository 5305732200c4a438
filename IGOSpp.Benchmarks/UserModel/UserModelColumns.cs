using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace IGOSpp.Benchmarks.UserModel;

/// <summary>The report columns of the <c>model</c> command, read from <see cref="UserModelRun"/>.</summary>
public static class UserModelColumns
{
    public static IColumn[] All() =>
    [
        new Column("Fwd images/op", "Images through the model forward only (no gradient) per operation", 0, (_, c, m) => m?.ForwardImages.ToString(CultureInfo.InvariantCulture)),
        new Column("Fwd+bwd images/op", "Images through the model forward and backward per operation", 1, (_, c, m) => m?.BackwardImages.ToString(CultureInfo.InvariantCulture)),
        new Column("Images/s", "Images through the model (forward-only plus forward+backward) per second of the operation", 2, ImagesPerSecond),
        new Column("Overhead", "Explain time ÷ time of the same model passes alone (replayed on the bare model with random inputs)", 3, Overhead),
        new Column("Peak native", "CPU: peak RSS above the RSS after setup (/proc VmHWM); CUDA: peak device memory in use above the start (NVML)", 4, PeakNative),
    ];

    private static string? ImagesPerSecond(Summary summary, BenchmarkCase benchmarkCase, UserModelRun.Measurement? m)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (m is null || mean is null || mean <= 0) return null;
        return ((m.ForwardImages + m.BackwardImages) / (mean.Value / 1e9)).ToString("F1", CultureInfo.InvariantCulture);
    }

    private static string? Overhead(Summary summary, BenchmarkCase benchmarkCase, UserModelRun.Measurement? m)
    {
        if (benchmarkCase.Descriptor.WorkloadMethod.Name != nameof(UserModelBenchmarks.Explain)) return null;
        var replay = summary.BenchmarksCases.FirstOrDefault(c =>
            c.Descriptor.WorkloadMethod.Name == nameof(UserModelBenchmarks.ModelPassesAlone) && ModelName(c) == ModelName(benchmarkCase));
        var explain = summary[benchmarkCase]?.ResultStatistics?.Mean;
        var alone = replay is null ? null : summary[replay]?.ResultStatistics?.Mean;
        return explain is null || alone is null || alone <= 0 ? null : (explain.Value / alone.Value).ToString("F2", CultureInfo.InvariantCulture);
    }

    private static string? PeakNative(Summary summary, BenchmarkCase benchmarkCase, UserModelRun.Measurement? m)
    {
        if (m is null) return null;
        var bytes = m.PeakGpuBytes >= 0 ? m.PeakGpuBytes : m.PeakNativeBytes;
        return bytes < 0 ? null : (bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture) + " MB";
    }

    private static string ModelName(BenchmarkCase benchmarkCase) => benchmarkCase.Parameters[nameof(UserModelBenchmarks.Model)]?.ToString() ?? "";

    private sealed class Column(string name, string legend, int priority, Func<Summary, BenchmarkCase, UserModelRun.Measurement?, string?> value) : IColumn
    {
        public string Id => "UserModel." + name;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => priority;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => legend;
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            value(summary, benchmarkCase, UserModelRun.Find(ModelName(benchmarkCase), benchmarkCase.Descriptor.WorkloadMethod.Name)) ?? "-";
    }
}
