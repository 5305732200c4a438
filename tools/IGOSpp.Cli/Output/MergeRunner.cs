using System.Text.Json;

namespace IGOSpp.Cli.Output;

/// <summary>
/// <c>igospp merge OUT SHARD...</c>: combines the output folders of <c>explain --shard i/n</c> runs (same settings:
/// the runs' fingerprints must agree) into one folder — the pictures and maps copied, one journal in the order of the
/// sorted inputs, results.json, results.csv and index.html.
/// </summary>
internal static class MergeRunner
{
    /// <summary>Merges and returns the exit code: 0, or <see cref="ExitCodes.ImageFailures"/> when the merged results
    /// hold failed images.</summary>
    /// <exception cref="CliException">A folder is not an explain output (<see cref="ExitCodes.Usage"/>), the folders
    /// hold other settings or disagree about an image (<see cref="ExitCodes.Mismatch"/>), or OUT cannot be written
    /// (<see cref="ExitCodes.Output"/>).</exception>
    public static int Run(string output, IReadOnlyList<string> shards, TextWriter stdout, TextWriter stderr)
    {
        if (shards.Count > 0 && Evaluate.EvaluationMerge.IsEvaluation(shards[0])) return Evaluate.EvaluationMerge.Run(output, shards, stdout);
        var outFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(output));
        RunInfo? run = null;
        var byId = new Dictionary<string, (ImageResult Result, string Folder)>(StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            var folder = Path.GetFullPath(shard);
            if (Path.TrimEndingDirectorySeparator(folder) == outFull)
                throw new CliException(ExitCodes.Usage, $"OUT '{output}' is also a shard folder; merge into a new folder.");
            var runPath = Path.Combine(folder, ResultsStore.RunFile);
            var journal = Path.Combine(folder, ResultsStore.JournalFile);
            if (!File.Exists(runPath) || !File.Exists(journal))
                throw new CliException(ExitCodes.Usage, $"'{shard}' is not an 'igospp explain' output folder (no {ResultsStore.RunFile} and {ResultsStore.JournalFile}).");
            var info = JsonSerializer.Deserialize<RunInfo>(File.ReadAllText(runPath), ResultsStore.Json)
                       ?? throw new CliException(ExitCodes.Usage, $"'{runPath}' is empty.");
            if (run is not null && info.Fingerprint != run.Fingerprint)
                throw new CliException(ExitCodes.Mismatch,
                    $"'{shard}' holds results of other settings ({info.MethodTitle}, {info.Settings}, model {info.ModelSha256[..12]}) than the first folder " +
                    $"({run.MethodTitle}, {run.Settings}, model {run.ModelSha256[..12]}).");
            run ??= info;
            foreach (var line in File.ReadLines(journal))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                ImageResult? result;
                try
                {
                    result = JsonSerializer.Deserialize<ImageResult>(line, ResultsStore.Json);
                }
                catch (JsonException)
                {
                    continue; // a line cut short by a killed run: that image was not finished
                }

                if (result is null) continue;
                if (byId.TryGetValue(result.Id, out var earlier) && earlier.Folder != folder)
                {
                    if (earlier.Result.Source != result.Source)
                        throw new CliException(ExitCodes.Mismatch,
                            $"Image id '{result.Id}' names '{earlier.Result.Source}' in '{earlier.Folder}' but '{result.Source}' in '{folder}'; were the shards run on the same inputs?");
                    if (earlier.Result.Status == "ok" && result.Status != "ok") continue;
                }

                byId[result.Id] = (result, folder);
            }
        }

        var store = ResultsStore.Open(output, run!);
        var merged = byId.Values.OrderBy(v => v.Result.Source, StringComparer.Ordinal).ToList();
        try
        {
            foreach (var (result, folder) in merged)
            {
                if (result.Status == "ok")
                {
                    foreach (var file in new[] { result.Panel, result.Curves, result.SaliencyNpy, result.SaliencyFullNpy })
                    {
                        if (file is null) continue;
                        var source = Path.Combine(folder, file);
                        if (!File.Exists(source))
                            throw new CliException(ExitCodes.Mismatch, $"'{source}' is listed in {Path.Combine(folder, ResultsStore.JournalFile)} but missing.");
                        AtomicFile.Write(Path.Combine(output, file), temporary => File.Copy(source, temporary));
                    }
                }
            }

            store.AddRange(merged.Select(m => m.Result));
            HtmlReport.Write(store);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Output, $"Writing to '{output}' failed: {ex.Message}", ex);
        }

        var failures = merged.Count(m => m.Result.Status != "ok");
        stdout.WriteLine($"Merged {shards.Count} folder(s): {merged.Count - failures} explained, {failures} failed. Report: {Path.Combine(Path.GetFullPath(output), HtmlReport.FileName)}");
        foreach (var (result, _) in merged.Where(m => m.Result.Status != "ok")) stderr.WriteLine($"error: {result.Source}: {result.Error}");
        return failures > 0 ? ExitCodes.ImageFailures : ExitCodes.Success;
    }
}
