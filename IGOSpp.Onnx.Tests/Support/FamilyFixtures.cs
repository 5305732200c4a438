using System.Text.Json;
using System.Text.Json.Serialization;
using NUnit.Framework;

namespace IGOSpp.Tests.Onnx;

/// <summary>
/// The torchvision family fixtures written by tools/onnx-fixtures/make_fixtures.py with PyTorch's exporter:
/// Fixtures/Families/manifest.json lists every model, its input, the classes whose gradients were taken and the
/// .onnx file per exported opset.
/// </summary>
public static class FamilyFixtures
{
    public static string Directory => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "Families");

    public static Manifest Load()
    {
        // TestCaseSource runs before TestContext knows the test directory, so locate the fixtures next to the assembly.
        var directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Families");
        using var stream = File.OpenRead(Path.Combine(directory, "manifest.json"));
        return JsonSerializer.Deserialize<Manifest>(stream) ?? throw new InvalidDataException("Empty fixture manifest.");
    }

    public static IEnumerable<(FamilyModel Model, int Opset, string File)> Exports() =>
        Load().Models.SelectMany(m => m.Opsets.Select(o => (m, int.Parse(o.Key, System.Globalization.CultureInfo.InvariantCulture), o.Value)));

    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Families", file);

    public sealed record Manifest(
        [property: JsonPropertyName("exporter")] string Exporter,
        [property: JsonPropertyName("batch")] int Batch,
        [property: JsonPropertyName("models")] FamilyModel[] Models);

    public sealed record FamilyModel(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("family")] string Family,
        [property: JsonPropertyName("class")] string Class,
        [property: JsonPropertyName("parameters")] long Parameters,
        [property: JsonPropertyName("input")] long[] Input,
        [property: JsonPropertyName("classes")] long[] Classes,
        [property: JsonPropertyName("opsets")] Dictionary<string, string> Opsets,
        [property: JsonPropertyName("refused")] Dictionary<string, string> Refused)
    {
        public (float[] Data, long[] Shape) Array(string kind) => Npy.ReadFloat32(PathOf($"{Name}.{kind}.npy"));
    }
}
