using System.Globalization;

namespace IGOSpp.Samples.OnnxExplain;

/// <summary>A mistake in the command line; reported as a message with exit code 1.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The input tensor's per-sample shape [C,H,W].</summary>
internal sealed record InputShape(int Channels, int Height, int Width)
{
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}

/// <summary>The parsed command line. Null means "not given" (a default that depends on the model is used).</summary>
internal sealed record Settings
{
    public const string Usage = """
        usage: dotnet run -c Release --project samples/IGOSpp.OnnxExplain -- [options]
          --onnx FILE        the ONNX classifier (image → class scores); default: write and use out/onnx/resnet18-fmnist.onnx
          --output NAME      graph value holding the class scores (default: the graph's only output; "logits" for the default model)
          --input-name NAME  graph input that receives the image (default: the graph's only non-initializer input)
          --image PNG        image to explain (default samples/images/4-coat.png)
          --class N          class to explain (default: the predicted class)
          --mask N           iGOS++ mask side (default 28)
          --iterations N     iGOS++ iterations (default 15)
          --out DIR          output directory (default out/onnx)
          --threads N        torch threads (default: number of processors)
        preprocessing (default model: 3x224x224, --scale 255 --mean 103.06,115.90,123.15 --std 1 --bgr, image read as grey 28x28):
          --input CxHxW      input shape, C = 1 or 3 (default: the graph's declared input shape)
          --scale S          multiply pixel values in [0,1] by S first, usually 255 or 1 (default 1)
          --mean a[,b,c]     subtract per channel, in the model's channel order (default 0)
          --std a[,b,c]      then divide per channel (default 1)
          --bgr              feed channels in BGR order (default RGB)
        """;

    public string? OnnxPath { get; init; }

    public string? OutputName { get; init; }

    public string? InputName { get; init; }

    public string? ImagePath { get; init; }

    public long? ClassId { get; init; }

    public int MaskSize { get; init; } = 28;

    public int Iterations { get; init; } = 15;

    public string OutputDirectory { get; init; } = Path.Combine("out", "onnx");

    public int Threads { get; init; } = Environment.ProcessorCount;

    public InputShape? Input { get; init; }

    public float? Scale { get; init; }

    public float[]? Mean { get; init; }

    public float[]? Std { get; init; }

    public bool? Bgr { get; init; }

    public bool Help { get; init; }

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="UsageException">An unknown option, a missing or malformed value, or a value out of range.</exception>
    public static Settings Parse(IReadOnlyList<string> args)
    {
        var s = new Settings();
        for (var i = 0; i < args.Count; i++)
        {
            var option = args[i];
            string Next() => i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                ? args[++i]
                : throw new UsageException($"Option {option} needs a value.");
            s = option switch
            {
                "--onnx" => s with { OnnxPath = ExistingFile(option, Next()) },
                "--output" => s with { OutputName = Name(option, Next()) },
                "--input-name" => s with { InputName = Name(option, Next()) },
                "--image" => s with { ImagePath = ExistingFile(option, Next()) },
                "--class" => s with { ClassId = Integer(option, Next(), 0, int.MaxValue) },
                "--mask" => s with { MaskSize = (int)Integer(option, Next(), 2, 4096) },
                "--iterations" => s with { Iterations = (int)Integer(option, Next(), 1, 10_000) },
                "--out" => s with { OutputDirectory = Name(option, Next()) },
                "--threads" => s with { Threads = (int)Integer(option, Next(), 1, 1024) },
                "--input" => s with { Input = Shape(option, Next()) },
                "--scale" => s with { Scale = Positive(option, Next()) },
                "--mean" => s with { Mean = Floats(option, Next(), positive: false) },
                "--std" => s with { Std = Floats(option, Next(), positive: true) },
                "--bgr" => s with { Bgr = true },
                "--help" or "-h" => s with { Help = true },
                _ => throw new UsageException($"Unknown option '{option}'. Run with --help for the list."),
            };
        }

        return s;
    }

    private static string ExistingFile(string option, string value) =>
        File.Exists(value) ? value : throw new UsageException($"{option}: file '{value}' does not exist.");

    private static string Name(string option, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new UsageException($"{option} needs a non-empty value.") : value;

    private static long Integer(string option, string value, long min, long max)
    {
        if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            throw new UsageException($"{option}: '{value}' is not an integer.");
        if (n < min || n > max)
            throw new UsageException($"{option}: {n} is out of range ({min}..{max}).");
        return n;
    }

    private static float Positive(string option, string value)
    {
        var v = Float(option, value);
        return v > 0 ? v : throw new UsageException($"{option}: {value} must be greater than 0.");
    }

    private static float Float(string option, string value) =>
        float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && float.IsFinite(v)
            ? v
            : throw new UsageException($"{option}: '{value}' is not a finite number.");

    private static float[] Floats(string option, string value, bool positive)
    {
        var values = value.Split(',').Select(v => Float(option, v.Trim())).ToArray();
        if (values.Length is not (1 or 3))
            throw new UsageException($"{option}: give one value or three comma-separated values (one per channel); got {values.Length}.");
        if (positive && values.Any(v => v <= 0))
            throw new UsageException($"{option}: values must be greater than 0; got {value}.");
        return values;
    }

    private static InputShape Shape(string option, string value)
    {
        var parts = value.Split('x', 'X');
        if (parts.Length != 3)
            throw new UsageException($"{option}: expected CxHxW (e.g. 3x224x224); got '{value}'.");
        var c = (int)Integer(option, parts[0], 1, 3);
        if (c == 2) throw new UsageException($"{option}: the channel count must be 1 (grey) or 3 (color); got 2.");
        return new InputShape(c, (int)Integer(option, parts[1], 1, 65535), (int)Integer(option, parts[2], 1, 65535));
    }
}
