using System.Globalization;

namespace IGOSpp.Benchmarks.Infrastructure;

/// <summary>The runners' tiny option parser: <c>--name value</c> pairs and <c>--flag</c> switches.</summary>
internal static class RunnerArgs
{
    public static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    public static int Int(string[] args, string name, int fallback) =>
        Value(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}

/// <summary>Settings the measurement runners start from.</summary>
internal static class RunnerSettings
{
    /// <summary>
    /// A loop of fixed work: the paper's settings with the line-search warm start (every iteration runs, S = 20 right
    /// Riemann sum), the defaults before 2026-12-03. The overhead, memory and throughput runners measure per-pass costs
    /// and memory, which an early stop would make depend on the random model; docs/benchmarks.md's figures were taken
    /// with it. explain-once times today's defaults.
    /// </summary>
    public static IgosPlusPlusOptions FixedLoop => IgosPlusPlusOptions.Paper with { LineSearchWarmStart = true };
}
