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
