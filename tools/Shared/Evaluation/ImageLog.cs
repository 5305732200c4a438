using System.Text.Json;
using System.Text.Json.Serialization;

namespace IGOSpp.Evaluation;

/// <summary>One explained image of one method: its scores, cost and optimization trace (one JSON line of the log).</summary>
internal sealed record ImageRecord
{
    public required string Method { get; init; }
    public required string Settings { get; init; }
    public required int Order { get; init; }
    public required int TestIndex { get; init; }

    /// <summary>The image file (igospp evaluate), or null for a Fashion-MNIST test index; part of the resume key, so
    /// that a folder whose images changed is not matched by position.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Image { get; init; }
    public required long Label { get; init; }
    public required double OriginalScore { get; init; }
    public required double Seconds { get; init; }
    public required long ForwardImages { get; init; }
    public required long BackwardImages { get; init; }
    public required Dictionary<string, double[]> Auc { get; init; }
    public required IterationRecord[] Iterations { get; init; }
    public string[] Warnings { get; init; } = [];
}

/// <summary>One iteration of an explanation's trace, as logged (MaskChange: NaN unless the method has an early stop).</summary>
internal sealed record IterationRecord(double Loss, double Step, double LossAfterStep, int Trials, double[] Scores, double Regularizer,
    double PathScoreRatio, double MaskChange = double.NaN);

/// <summary>
/// The runner's per-image log (JSON lines, one file per group): every explained image's AUCs, seconds, model images and
/// trace. With <c>--resume</c> the runner reuses the records of images it already explained with the same method and
/// settings, so a long evaluation that is stopped continues where it was.
/// </summary>
internal sealed class ImageLog
{
    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly string _path;
    private readonly Dictionary<(string Method, string Settings, int TestIndex, string? Image), ImageRecord> _done = [];

    public ImageLog(string path, bool resume)
    {
        _path = path;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!File.Exists(path)) return;
        if (!resume)
        {
            File.Delete(path);
            return;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            ImageRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<ImageRecord>(line, Json);
            }
            catch (JsonException)
            {
                continue; // a line cut by an interrupted write
            }

            if (record is not null) _done[(record.Method, record.Settings, record.TestIndex, record.Image)] = record;
        }
    }

    public string FilePath => _path;

    /// <summary>Every record of the log (the last one of each method, settings and image).</summary>
    public IEnumerable<ImageRecord> Records => _done.Values;

    public ImageRecord? Find(string method, string settings, int testIndex, string? image = null) =>
        _done.GetValueOrDefault((method, settings, testIndex, image));

    /// <summary>Appends the record as one line; a log whose last line was cut by an interrupted write gets a line
    /// break first, so the cut line (skipped on reading) does not swallow the new record.</summary>
    public void Append(ImageRecord record)
    {
        var line = JsonSerializer.Serialize(record, Json) + "\n";
        File.AppendAllText(_path, EndsWithCutLine(_path) ? "\n" + line : line);
        _done[(record.Method, record.Settings, record.TestIndex, record.Image)] = record;
    }

    private static bool EndsWithCutLine(string path)
    {
        if (!File.Exists(path)) return false;
        using var file = File.OpenRead(path);
        if (file.Length == 0) return false;
        file.Seek(-1, SeekOrigin.End);
        return file.ReadByte() != '\n';
    }
}
