using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace IGOSpp.Cli.Output;

/// <summary>
/// The results of a run folder. results.jsonl is the journal: one line per finished image, appended and flushed after
/// the image's files are in place, so a run that is killed keeps every finished image and a re-run skips them.
/// results.json, results.csv and index.html are rewritten (atomically) from it after every image.
/// </summary>
internal sealed class ResultsStore
{
    public const string JournalFile = "results.jsonl";
    public const string JsonFile = "results.json";
    public const string CsvFile = "results.csv";
    public const string RunFile = "run.json";

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly JsonSerializerOptions Indented = new(Json) { WriteIndented = true };

    private readonly Dictionary<string, ImageResult> _results = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    private ResultsStore(string directory, RunInfo run)
    {
        Directory = directory;
        Run = run;
    }

    public string Directory { get; }

    public RunInfo Run { get; }

    /// <summary>The results in the order they were finished (a later line for the same id replaces an earlier one).</summary>
    public IEnumerable<ImageResult> Results => _order.Select(id => _results[id]);

    /// <summary>Whether the image was explained already (failed images are tried again).</summary>
    public bool IsDone(string id) => _results.TryGetValue(id, out var r) && r.Status == "ok";

    /// <summary>Opens the folder: creates it, checks it is writable, reads the journal of an earlier run with the
    /// same settings.</summary>
    /// <exception cref="CliException"><see cref="ExitCodes.Output"/> when the folder cannot be created or written;
    /// <see cref="ExitCodes.Mismatch"/> when it holds results of other settings.</exception>
    public static ResultsStore Open(string directory, RunInfo run)
    {
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            System.IO.Directory.CreateDirectory(Path.Combine(directory, "images"));
            var probe = Path.Combine(directory, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new CliException(ExitCodes.Output, $"Output folder '{directory}' cannot be written: {ex.Message}", ex);
        }

        var store = new ResultsStore(directory, run);
        var runPath = Path.Combine(directory, RunFile);
        var journal = Path.Combine(directory, JournalFile);
        var hasResults = File.Exists(journal) && new FileInfo(journal).Length > 0;
        if (hasResults && File.Exists(runPath))
        {
            RunInfo? earlier = null;
            try
            {
                earlier = JsonSerializer.Deserialize<RunInfo>(File.ReadAllText(runPath), Json);
            }
            catch (JsonException)
            {
            }

            if (earlier is not null && earlier.Fingerprint != run.Fingerprint)
                throw new CliException(ExitCodes.Mismatch,
                    $"Output folder '{directory}' holds results of other settings ({earlier.MethodTitle}, {earlier.Settings}, model {earlier.ModelSha256[..12]}); " +
                    "choose another --out, or delete the folder.");
        }

        AtomicFile.WriteText(runPath, JsonSerializer.Serialize(run, Indented));
        if (hasResults)
        {
            foreach (var line in File.ReadLines(journal))
            {
                if (string.IsNullOrWhiteSpace(line)) continue;
                try
                {
                    if (JsonSerializer.Deserialize<ImageResult>(line, Json) is { } result) store.Remember(result);
                }
                catch (JsonException)
                {
                    // A line cut short by a killed process: that image was not finished and is done again.
                }
            }
        }

        return store;
    }

    /// <summary>Records a finished image: appends it to the journal (flushed to disk), then rewrites the summaries.</summary>
    public void Add(ImageResult result, Action<ResultsStore> writeReport)
    {
        ArgumentNullException.ThrowIfNull(writeReport);
        var journal = Path.Combine(Directory, JournalFile);
        using (var stream = new FileStream(journal, FileMode.Append, FileAccess.Write, FileShare.Read))
        {
            // Start on a fresh line if a killed run left a partial one.
            if (stream.Length > 0)
            {
                using var reader = new FileStream(journal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                reader.Seek(-1, SeekOrigin.End);
                if (reader.ReadByte() != '\n') stream.WriteByte((byte)'\n');
            }

            var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(result, Json) + "\n");
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        Remember(result);
        WriteSummaries();
        writeReport(this);
    }

    /// <summary>Records many finished images at once (merge): one journal write, then the summaries.</summary>
    public void AddRange(IEnumerable<ImageResult> results)
    {
        var list = results.ToList();
        var journal = Path.Combine(Directory, JournalFile);
        var lines = string.Concat(list.Select(r => JsonSerializer.Serialize(r, Json) + "\n"));
        AtomicFile.WriteText(journal, lines);
        _results.Clear();
        _order.Clear();
        foreach (var r in list) Remember(r);
        WriteSummaries();
    }

    /// <summary>Rewrites results.json and results.csv from the journal's state.</summary>
    public void WriteSummaries()
    {
        var results = Results.ToList();
        AtomicFile.WriteText(Path.Combine(Directory, JsonFile), JsonSerializer.Serialize(new ResultsDocument(Run, results), Indented));
        AtomicFile.WriteText(Path.Combine(Directory, CsvFile), Csv(results));
    }

    /// <summary>The CSV columns, in order.</summary>
    public static readonly IReadOnlyList<string> CsvColumns =
    [
        "id", "source", "status", "class_id", "class_name", "probability", "top_class_id", "top_probability",
        "deletion_auc", "insertion_auc", "explain_seconds", "metric_seconds", "model_images", "backward_images",
        "metric_images", "map_size", "panel", "curves", "saliency_npy", "error",
    ];

    private static string Csv(IEnumerable<ImageResult> results)
    {
        var text = new StringBuilder();
        text.Append(string.Join(",", CsvColumns)).Append('\n');
        foreach (var r in results)
        {
            string?[] cells =
            [
                r.Id, r.Source, r.Status, N(r.ClassId), r.ClassName, N(r.Probability), N(r.TopClassId), N(r.TopProbability),
                N(r.DeletionAuc), N(r.InsertionAuc), N(r.ExplainSeconds), N(r.MetricSeconds), N(r.ModelImages),
                N(r.BackwardImages), N(r.MetricImages), r.MapSize, r.Panel, r.Curves, r.SaliencyNpy, r.Error,
            ];
            text.Append(string.Join(",", cells.Select(Quote))).Append('\n');
        }

        return text.ToString();
    }

    private static string? N(double? value) => value?.ToString("R", CultureInfo.InvariantCulture);

    private static string? N(long? value) => value?.ToString(CultureInfo.InvariantCulture);

    // RFC 4180: quote fields holding a comma, a quote or a line break; double the quotes.
    private static string Quote(string? value) =>
        value is null ? "" : value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    private void Remember(ImageResult result)
    {
        if (!_results.ContainsKey(result.Id)) _order.Add(result.Id);
        _results[result.Id] = result;
    }
}
