namespace IGOSpp.Cli.Evaluate;

/// <summary>evaluation-run.json: what <c>igospp evaluate</c> ran, so that <c>igospp merge</c> can rebuild the table of
/// its shards (the catalog's arguments) and refuse shards of other settings (the fingerprint).</summary>
internal sealed record EvaluationRunInfo
{
    public const string FileName = "evaluation-run.json";

    public required string Model { get; init; }

    public required string ModelSha256 { get; init; }

    /// <summary>The model's description in the table (file, format, checksum, input, preprocessing).</summary>
    public required string Description { get; init; }

    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>"the model's top class" or the class id.</summary>
    public required string ClassText { get; init; }

    /// <summary>The catalog's arguments: image side, Grad-CAM layer (module name), NoiseStd.</summary>
    public required int ImageSize { get; init; }

    public string? Layer { get; init; }

    public required double NoiseStd { get; init; }

    public required IReadOnlyList<string> Methods { get; init; }

    /// <summary>"i/n" for a shard, null for a whole run.</summary>
    public string? Shard { get; init; }

    public required string Fingerprint { get; init; }
}
