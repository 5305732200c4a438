using IGOSpp.Cli.Explain;

namespace IGOSpp.Cli.Evaluate;

/// <summary>The settings of <c>igospp evaluate</c>: the model, images and preprocessing as for explain, plus the
/// evaluation's method keys and noise.</summary>
internal sealed record EvaluateSettings
{
    /// <summary>The model, inputs, preprocessing, class, layer, output folder and threads (method options unused).</summary>
    public required ExplainSettings Common { get; init; }

    /// <summary>Keys of the evaluation's method catalog (tools/IGOSpp.Evaluation), e.g. igospp28, igos28, ig.</summary>
    public required IReadOnlyList<string> Methods { get; init; }

    /// <summary>NoiseStd of the I-GOS family, in the model input's units.</summary>
    public double NoiseStd { get; init; } = 0.2;

    /// <summary>Evaluate on the Fashion-MNIST test set in this folder (the IDX files) instead of image files.</summary>
    public string? FashionMnist { get; init; }

    /// <summary>With <see cref="FashionMnist"/>: the first this many correctly classified test images.</summary>
    public int Count { get; init; } = 100;

    /// <summary>The default method keys.</summary>
    public static readonly IReadOnlyList<string> DefaultMethods = ["igospp28", "igosplus28", "igos28", "ig"];
}
