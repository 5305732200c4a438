using System.Globalization;
using System.Text.Json;
using IGOSpp.Cli.Output;
using IGOSpp.Evaluation;

namespace IGOSpp.Cli.Evaluate;

/// <summary>
/// <c>igospp merge OUT SHARD...</c> for <c>igospp evaluate --shard</c> folders: checks that the shards ran the same
/// settings, joins their per-image logs into OUT/evaluation.jsonl and writes the table of all images to OUT/results.md
/// (the protocol's <see cref="EvaluationProtocol.Summarize"/>, as an unsharded run would).
/// </summary>
internal static class EvaluationMerge
{
    /// <summary>Whether the folder is an evaluate output.</summary>
    public static bool IsEvaluation(string folder) => File.Exists(Path.Combine(folder, EvaluationRunInfo.FileName));

    public static int Run(string output, IReadOnlyList<string> shards, TextWriter stdout)
    {
        EvaluationRunInfo? first = null;
        var records = new Dictionary<(string, string, int, string?), ImageRecord>();
        foreach (var shard in shards)
        {
            var path = Path.Combine(shard, EvaluationRunInfo.FileName);
            if (!File.Exists(path))
                throw new CliException(ExitCodes.Usage, $"'{shard}' is not an 'igospp evaluate' output folder (no {EvaluationRunInfo.FileName}); explain and evaluate folders do not merge together.");
            var info = JsonSerializer.Deserialize<EvaluationRunInfo>(File.ReadAllText(path), ResultsStore.Json)
                       ?? throw new CliException(ExitCodes.Usage, $"'{path}' is empty.");
            if (first is not null && info.Fingerprint != first.Fingerprint)
                throw new CliException(ExitCodes.Mismatch, $"'{shard}' holds an evaluation of other settings than '{shards[0]}' (model, preprocessing, methods, class or noise differ).");
            first ??= info;
            var log = Path.Combine(shard, EvaluateRunner.LogFile);
            if (!File.Exists(log)) continue;
            foreach (var record in new ImageLog(log, resume: true).Records)
                records[(record.Method, record.Settings, record.TestIndex, record.Image)] = record;
        }

        var run = first!;
        var catalog = MethodCatalog.All(run.ImageSize, run.Layer, run.NoiseStd).ToList();
        var rows = new List<ResultRow>();
        var counts = new List<int>();
        foreach (var key in run.Methods)
        {
            var method = catalog.First(m => m.Key == key);
            var mine = records.Values.Where(r => r.Method == key && r.Settings == method.Settings).OrderBy(r => r.TestIndex).ToList();
            if (mine.Count == 0) continue;
            counts.Add(mine.Count);
            rows.AddRange(EvaluationProtocol.Summarize(method, mine).Rows);
        }

        try
        {
            Directory.CreateDirectory(output);
            var log = new ImageLog(Path.Combine(output, EvaluateRunner.LogFile), resume: false);
            foreach (var record in records.Values.OrderBy(r => r.Method, StringComparer.Ordinal).ThenBy(r => r.TestIndex)) log.Append(record);
            var n = counts.Count == 0 ? 0 : counts.Max();
            var population = string.Create(CultureInfo.InvariantCulture,
                $"N = {n} images of {string.Join(", ", run.Inputs)} (merged from {shards.Count} shard folders), class = {run.ClassText}");
            var table = Path.Combine(output, EvaluateRunner.TableFile);
            ResultsTable.Merge(table, ResultsTable.Render(rows, n, $"igospp merge {output} {string.Join(' ', shards)}", "igospp", run.Description, run.ImageSize, population), "igospp");
            AtomicFile.WriteText(Path.Combine(output, EvaluationRunInfo.FileName), JsonSerializer.Serialize(run with { Shard = null }, ResultsStore.Json));
            stdout.WriteLine($"Merged {shards.Count} evaluation folder(s): {rows.Count} rows, {records.Count} image records. Table: {Path.GetFullPath(table)}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Output, $"Writing to '{output}' failed: {ex.Message}", ex);
        }

        return counts.Distinct().Count() > 1 ? ExitCodes.ImageFailures : ExitCodes.Success;
    }
}
