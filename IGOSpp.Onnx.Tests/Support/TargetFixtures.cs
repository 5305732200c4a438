using System.Text.Json;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Onnx;

/// <summary>
/// The trained models of the end-to-end target tests, written by tools/target-fixtures/make_target_fixtures.py
/// (Fixtures/Targets): a segmentation network, a YOLO-style detector, a multi-label classifier and a regressor on
/// 64×64 synthetic images with two planted objects (squares and discs), four seeded test images and their objects.
/// Shared with tools/IGOSpp.TargetFigures, which renders docs/images/targets from the same scenarios.
/// </summary>
public sealed class TargetFixtures
{
    private TargetFixtures(string directory, Manifest manifest) => (Directory, Contents) = (directory, manifest);

    /// <summary>The fixtures next to the test assembly.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Targets");

    public string Directory { get; }

    public Manifest Contents { get; }

    public static TargetFixtures Load(string? directory = null)
    {
        directory ??= DefaultDirectory;
        using var stream = File.OpenRead(Path.Combine(directory, "manifest.json"));
        var manifest = JsonSerializer.Deserialize<Manifest>(stream) ?? throw new InvalidDataException("Empty fixture manifest.");
        return new TargetFixtures(directory, manifest);
    }

    public string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>The model file of <paramref name="model"/> (segmentation, detector, multilabel, regression).</summary>
    public string ModelPath(string model) => PathOf(Contents.Models[model].GetProperty("file").GetString()!);

    /// <summary>A string property of a model's manifest entry (e.g. the segmentation network's <c>gradcam_layer</c>).</summary>
    public string ModelProperty(string model, string property) => Contents.Models[model].GetProperty(property).GetString()!;

    /// <summary>A float32 array as a tensor (owned by the current dispose scope).</summary>
    public Tensor Tensor(string file)
    {
        var (data, shape) = Npy.ReadFloat32(PathOf(file));
        return tensor(data, shape);
    }

    /// <summary>Test image <paramref name="index"/> [3,64,64].</summary>
    public Tensor Image(int index) => Tensor("test.input.npy")[index];

    public sealed record Manifest(
        [property: JsonPropertyName("exporter")] string Exporter,
        [property: JsonPropertyName("opset")] int Opset,
        [property: JsonPropertyName("seed")] int Seed,
        [property: JsonPropertyName("size")] int Size,
        [property: JsonPropertyName("classes")] string[] Classes,
        [property: JsonPropertyName("models")] Dictionary<string, JsonElement> Models,
        [property: JsonPropertyName("test")] PlantedObject[][] Test);

    /// <summary>A planted object: its box (x1, y1, x2, y2 in pixels, x2 and y2 exclusive) and class (0 square, 1 disc).</summary>
    public sealed record PlantedObject(
        [property: JsonPropertyName("box")] float[] Box,
        [property: JsonPropertyName("class")] long Class)
    {
        public float X1 => Box[0];

        public float Y1 => Box[1];

        public float X2 => Box[2];

        public float Y2 => Box[3];

        /// <summary>The box's share of a <paramref name="size"/>×<paramref name="size"/> image.</summary>
        public double AreaFraction(int size) => (X2 - X1) * (Y2 - Y1) / (double)(size * size);
    }
}
