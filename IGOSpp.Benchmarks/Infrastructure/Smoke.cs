namespace IGOSpp.Benchmarks.Infrastructure;

/// <summary>
/// IGOSPP_BENCH_SMOKE=1 (set by dry-run.sh for CI) shrinks the work of every benchmark to one iteration with two
/// integration steps and at most three line-search trials, so that a dry run of every benchmark, ResNet-18 at 224 px
/// included, checks that the code paths still run, in minutes. Never set it for measurements.
/// </summary>
public static class Smoke
{
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("IGOSPP_BENCH_SMOKE") == "1";
}
