using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace IGOSpp.Evaluation;

/// <summary>What a method's explanations cost: seconds and model images (forward plus forward-and-backward) per image,
/// and line-search trials per iteration (NaN without line search).</summary>
internal sealed record MethodCost(List<double> Seconds, List<double> ModelImages, double TrialsPerIteration);

internal sealed record ResultRow(string Method, string Resolution, List<double> Deletion, List<double> Insertion, MethodCost Cost, string Settings);

/// <summary>Renders the results table and merges it into docs/results.md between markers (one section per model).</summary>
internal static class ResultsTable
{
    /// <param name="rows">The table's rows.</param>
    /// <param name="n">Images per method.</param>
    /// <param name="command">The command line that made the table (shown in backquotes).</param>
    /// <param name="group">The section's name (its markers in the file).</param>
    /// <param name="model">The model's description.</param>
    /// <param name="imageSize">The model input's side.</param>
    /// <param name="population">Which images and classes, e.g. "first N = 100 correctly classified Fashion-MNIST test
    /// images, class = the label".</param>
    public static string Render(IReadOnlyList<ResultRow> rows, int n, string command, string group, string model, int imageSize, string population)
    {
        var (begin, end) = Markers(group);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(begin);
        sb.AppendLine(inv, $"{model}, {population}.");
        sb.AppendLine(inv, $"Command: `{command}` on {DateTime.UtcNow:yyyy-MM-dd}, {Machine()}.");
        sb.AppendLine();
        sb.AppendLine("| method | mask | deletion AUC ↓ | insertion AUC ↑ | s / image | model images / image | trials / iteration | settings |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            var trials = double.IsNaN(r.Cost.TrialsPerIteration) ? "–" : r.Cost.TrialsPerIteration.ToString("F2", inv);
            sb.AppendLine(inv, $"| {r.Method} | {r.Resolution} | {Mean(r.Deletion):F4} ± {StdError(r.Deletion):F4} | {Mean(r.Insertion):F4} ± {StdError(r.Insertion):F4} | {Mean(r.Cost.Seconds):F2} | {Mean(r.Cost.ModelImages):F0} | {trials} | {r.Settings} |");
        }

        sb.AppendLine();
        sb.AppendLine(inv, $"± is the standard error of the mean (standard deviation over the images ÷ √N). Deletion and insertion AUC as in docs/metrics.md (blur baseline; a map's cells are ranked at its own resolution and upsampled bilinearly to the {imageSize}×{imageSize} image). Model images: images pushed through the model per explanation (forward only plus forward and backward), without the metric's.");
        sb.AppendLine(end);
        return sb.ToString();
    }

    /// <summary>Replaces the marked section of the file (or appends it), keeping everything else.</summary>
    public static void Merge(string path, string section, string group)
    {
        var (begin, stop) = Markers(group);
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Results\n\n";
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var end = text.IndexOf(stop, StringComparison.Ordinal);
        text = start >= 0 && end > start
            ? text[..start] + section.TrimEnd('\n') + text[(end + stop.Length)..]
            : text.TrimEnd('\n') + "\n\n" + section;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        // Under a temporary name, then renamed: the file is never seen half written.
        var temporary = Path.Combine(directory, $".tmp-{Guid.NewGuid():N}-{Path.GetFileName(path)}");
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    private static (string Begin, string End) Markers(string group) => ($"<!-- evaluation:{group}:begin -->", $"<!-- evaluation:{group}:end -->");

    private static double Mean(List<double> v) => v.Count == 0 ? double.NaN : v.Average();

    private static double StdError(List<double> v)
    {
        if (v.Count < 2) return 0;
        var m = v.Average();
        return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Count - 1) / v.Count);
    }

    private static string Machine()
    {
        var cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        return $"{Environment.ProcessorCount} cores ({cpu}), {RuntimeInformation.OSDescription}, .NET {Environment.Version}, intra-op threads per explanation {IgosThreading.MaxIntraOpThreads ?? Environment.ProcessorCount}";
    }
}
