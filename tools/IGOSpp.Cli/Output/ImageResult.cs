using System.Text.Json.Serialization;

namespace IGOSpp.Cli.Output;

/// <summary>One image's line of results.jsonl and entry of results.json. Files are relative to the output folder.</summary>
internal sealed record ImageResult
{
    /// <summary>The id that names the image's files (unique within the run).</summary>
    public required string Id { get; init; }

    /// <summary>The image file as found (full path).</summary>
    public required string Source { get; init; }

    /// <summary>"ok" or "failed".</summary>
    public required string Status { get; init; }

    /// <summary>Why the image failed (null when ok).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    public long? ClassId { get; init; }

    public string? ClassName { get; init; }

    /// <summary>Softmax probability of the explained class on the clean image.</summary>
    public double? Probability { get; init; }

    /// <summary>The top class and its probability (equal to the explained class under --top).</summary>
    public long? TopClassId { get; init; }

    public double? TopProbability { get; init; }

    /// <summary>Deletion AUC (lower is better) and insertion AUC (higher is better) of the explained class.</summary>
    public double? DeletionAuc { get; init; }

    public double? InsertionAuc { get; init; }

    /// <summary>Seconds of the explanation and of the metric.</summary>
    public double? ExplainSeconds { get; init; }

    public double? MetricSeconds { get; init; }

    /// <summary>Images through the model: explanation forward and backward passes, metric forward passes.</summary>
    public long? ModelImages { get; init; }

    public long? BackwardImages { get; init; }

    public long? MetricImages { get; init; }

    /// <summary>Map side (h×w of the saliency before upsampling).</summary>
    public string? MapSize { get; init; }

    public string? Panel { get; init; }

    public string? Curves { get; init; }

    /// <summary>The saliency [h,w] at the method's resolution and upsampled to the input [H,W], float32 .npy.</summary>
    public string? SaliencyNpy { get; init; }

    public string? SaliencyFullNpy { get; init; }

    public IReadOnlyList<double>? DeletionCurve { get; init; }

    public IReadOnlyList<double>? InsertionCurve { get; init; }

    public IReadOnlyList<string>? Warnings { get; init; }

    /// <summary>Which shard explained the image ("i/n"), or null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Shard { get; init; }
}

/// <summary>The settings of a run, written at the top of results.json and checked on resume.</summary>
internal sealed record RunInfo
{
    public required string Tool { get; init; }

    public required string Model { get; init; }

    public required string ModelFormat { get; init; }

    public required string ModelSha256 { get; init; }

    public required string Method { get; init; }

    public required string MethodTitle { get; init; }

    public required string Input { get; init; }

    public required string Preprocessing { get; init; }

    public required string Target { get; init; }

    public required long Classes { get; init; }

    public required string Settings { get; init; }

    /// <summary>What a resumed run must match to continue in the same folder.</summary>
    public required string Fingerprint { get; init; }
}

/// <summary>results.json.</summary>
internal sealed record ResultsDocument(RunInfo Run, IReadOnlyList<ImageResult> Images);
