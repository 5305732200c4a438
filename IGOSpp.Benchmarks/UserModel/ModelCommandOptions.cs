using System.Globalization;

namespace IGOSpp.Benchmarks.UserModel;

/// <summary>How the user's model file is stored.</summary>
public enum ModelFormat
{
    /// <summary>An ONNX file, imported with <c>IGOSpp.Onnx.OnnxModel.Load</c>.</summary>
    Onnx,

    /// <summary>A TorchScript file (<c>torch.jit.save</c>), loaded with <c>torch.jit.load</c>.</summary>
    TorchScript,

    /// <summary>A state dict (<c>torch.save(model.state_dict())</c> or .safetensors) of a TorchVision architecture,
    /// loaded strictly into <c>IGOSpp.Models.KnownArchitectures</c>' rebuild of it.</summary>
    StateDict,
}

/// <summary>
/// The settings of the <c>model</c> command (GitHub issue 8):
/// <c>model --onnx FILE | --torchscript FILE | --state-dict FILE --arch NAME [--classes K] --input CxHxW [--device cpu|cuda] [--mask 28] [--steps 20] [--iterations 15]
/// [--batch N] [--short | --once | --dry] [--compare] [--out DIR]</c>.
/// </summary>
/// <param name="Format">How <paramref name="Path"/> is stored.</param>
/// <param name="Path">The model file.</param>
/// <param name="Shape">The shape of one input image, without the batch dimension (e.g. [3, 224, 224]).</param>
/// <param name="Device">"cpu" or "cuda". Default "cpu".</param>
/// <param name="MaskSize">Side of the square mask. Default 28.</param>
/// <param name="Steps">Integration steps S. Default 20.</param>
/// <param name="Iterations">Mask-update iterations of a full explanation. Default 15.</param>
/// <param name="MaxBatchSize">Images per model pass; null keeps the library default (64).</param>
/// <param name="Preset">BenchmarkDotNet job: "standard" (default), "short" (--short), "once" (--once) or "dry" (--dry, CI).</param>
/// <param name="Compare">Also benchmark the built-in ResNet-18-shaped model at 3×224×224.</param>
/// <param name="Output">Folder of BenchmarkDotNet's reports. Default BenchmarkDotNet.Artifacts/model.</param>
/// <param name="Architecture">With <see cref="ModelFormat.StateDict"/>: the architecture (a name of KnownArchitectures.Names).</param>
/// <param name="Classes">With <see cref="ModelFormat.StateDict"/>: the number of classes; null reads it from the file.</param>
public sealed record ModelCommandOptions(
    ModelFormat Format,
    string Path,
    long[] Shape,
    string Device = "cpu",
    int MaskSize = 28,
    int Steps = 20,
    int Iterations = 15,
    int? MaxBatchSize = null,
    string Preset = "standard",
    bool Compare = false,
    string Output = ModelCommandOptions.DefaultOutput,
    string? Architecture = null,
    int? Classes = null)
{
    /// <summary>The default report folder.</summary>
    public const string DefaultOutput = "BenchmarkDotNet.Artifacts/model";

    /// <summary>One-line usage of the command.</summary>
    public const string Usage =
        "model (--onnx FILE | --torchscript FILE | --state-dict FILE --arch NAME [--classes K]) --input CxHxW [--device cpu|cuda] [--mask 28] [--steps 20] [--iterations 15] " +
        "[--batch N] [--short | --once | --dry] [--compare] [--out DIR]";

    /// <summary>The library default of images per model pass when --batch is not given.</summary>
    public int EffectiveBatchSize => MaxBatchSize ?? new IgosPlusPlusOptions().MaxBatchSize;

    /// <summary>The input shape written as on the command line, e.g. "3x224x224".</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>Parses the arguments that follow <c>model</c>.</summary>
    /// <exception cref="ArgumentException">An option is unknown, repeated, misses its value or has an invalid value;
    /// no model file or both kinds are given; --input is missing. The message names the option.</exception>
    public static ModelCommandOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        string[] valued = ["--onnx", "--torchscript", "--state-dict", "--arch", "--classes", "--input", "--device", "--mask", "--steps", "--iterations", "--batch", "--out"];
        string[] flagNames = ["--short", "--once", "--dry", "--compare"];
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (valued.Contains(name))
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new ArgumentException($"Option {name} needs a value. Usage: {Usage}", nameof(args));
                if (!values.TryAdd(name, args[++i]))
                    throw new ArgumentException($"Option {name} is given twice.", nameof(args));
            }
            else if (flagNames.Contains(name))
            {
                flags.Add(name);
            }
            else
            {
                throw new ArgumentException($"Unknown option '{name}'. Usage: {Usage}", nameof(args));
            }
        }

        var onnx = values.GetValueOrDefault("--onnx");
        var script = values.GetValueOrDefault("--torchscript");
        var stateDict = values.GetValueOrDefault("--state-dict");
        if (new[] { onnx, script, stateDict }.Count(f => f is not null) != 1)
            throw new ArgumentException($"Give exactly one model file: --onnx FILE, --torchscript FILE or --state-dict FILE --arch NAME. Usage: {Usage}", nameof(args));
        var architecture = values.GetValueOrDefault("--arch");
        if ((stateDict is null) != (architecture is null))
            throw new ArgumentException(stateDict is null
                ? "Option --arch applies to --state-dict FILE only."
                : $"Option --state-dict needs --arch NAME (the TorchVision architecture of the weights). Usage: {Usage}", nameof(args));
        if (stateDict is null && values.ContainsKey("--classes"))
            throw new ArgumentException("Option --classes applies to --state-dict FILE only.", nameof(args));
        if (!values.TryGetValue("--input", out var input))
            throw new ArgumentException($"Option --input CxHxW (the shape of one image, e.g. 3x224x224) is required. Usage: {Usage}", nameof(args));
        if (flags.Count(f => f is "--short" or "--once" or "--dry") > 1)
            throw new ArgumentException("Options --short, --once and --dry exclude each other.", nameof(args));

        var device = values.GetValueOrDefault("--device", "cpu");
        if (device is not ("cpu" or "cuda"))
            throw new ArgumentException($"Option --device must be 'cpu' or 'cuda', not '{device}'.", nameof(args));

        int Positive(string name, int fallback)
        {
            if (!values.TryGetValue(name, out var text)) return fallback;
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
                throw new ArgumentException($"Option {name} must be a positive integer, not '{text}'.", nameof(args));
            return value;
        }

        var mask = Positive("--mask", 28);
        if (mask < 2) throw new ArgumentException("Option --mask must be at least 2.", nameof(args));
        return new ModelCommandOptions(
            onnx is not null ? ModelFormat.Onnx : script is not null ? ModelFormat.TorchScript : ModelFormat.StateDict,
            onnx ?? script ?? stateDict!,
            ParseShape(input),
            device,
            mask,
            Positive("--steps", 20),
            Positive("--iterations", 15),
            values.ContainsKey("--batch") ? Positive("--batch", 0) : null,
            flags.Contains("--short") ? "short" : flags.Contains("--once") ? "once" : flags.Contains("--dry") ? "dry" : "standard",
            flags.Contains("--compare"),
            values.GetValueOrDefault("--out", DefaultOutput),
            architecture,
            values.ContainsKey("--classes") ? Positive("--classes", 0) : null);
    }

    /// <summary>Parses an image shape "CxHxW": three positive integers separated by 'x' (or 'X' or ',').</summary>
    /// <exception cref="ArgumentException">The text is not three positive integers separated by 'x'.</exception>
    public static long[] ParseShape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(['x', 'X', ','], StringSplitOptions.TrimEntries);
        var shape = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]) || shape[i] < 1)
                throw new ArgumentException(
                    $"Option --input must be the shape of one image as positive integers separated by 'x' (e.g. 3x224x224), not '{text}'.", nameof(text));
        }

        if (shape.Length != 3)
            throw new ArgumentException(
                $"Option --input takes the shape of one image without the batch dimension, CxHxW (e.g. 3x224x224 or 1x28x28), not '{text}'.", nameof(text));
        return shape;
    }

    /// <summary>Writes a shape as "3x224x224".</summary>
    public static string FormatShape(IEnumerable<long> shape) => string.Join("x", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
}
