using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace IGOSpp.Models;

/// <summary>
/// Reads the .safetensors format (8-byte little-endian header length, a JSON header mapping each name to
/// {dtype, shape, data_offsets}, then the raw little-endian data), checking every size and offset.
/// </summary>
internal static class SafetensorsReader
{
    private const long MaxHeaderLength = 100_000_000;

    public static Dictionary<string, Tensor> Read(Stream stream, string path)
    {
        var length = stream.Length;
        if (length < 8) throw Invalid(path, $"the file has {length} bytes, fewer than the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0 || headerLength > MaxHeaderLength || (long)headerLength > length - 8)
            throw Invalid(path, $"the header length {headerLength} does not fit a file of {length} bytes");

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var dataStart = 8 + (long)headerLength;
        var dataLength = length - dataStart;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not a .safetensors file: its header is not JSON ({e.Message}).", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Invalid(path, "the header is not a JSON object");
            using var scope = NewDisposeScope();
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__") continue;
                var (dtype, elementSize) = DType(path, entry);
                var shape = Shape(path, entry);
                var (begin, end) = Offsets(path, entry);
                var count = shape.Aggregate(1L, (a, b) => a * b);
                if (end - begin != count * elementSize)
                    throw Invalid(path, $"'{entry.Name}' has {end - begin} bytes of data for shape [{string.Join(",", shape)}] of {elementSize}-byte elements ({count * elementSize} expected)");
                if (end > dataLength)
                    throw Invalid(path, $"'{entry.Name}' ends at byte {end} of the data, which has {dataLength} bytes");
                if (end - begin > int.MaxValue)
                    throw Invalid(path, $"'{entry.Name}' is larger than 2 GB, which this reader does not support");

                var bytes = new byte[end - begin];
                stream.Position = dataStart + begin;
                stream.ReadExactly(bytes);
                var tensor = empty(shape, dtype);
                tensor.bytes = bytes;
                result.Add(entry.Name, tensor);
            }

            foreach (var tensor in result.Values) tensor.MoveToOuterDisposeScope();
            return result;
        }
    }

    private static (ScalarType DType, int ElementSize) DType(string path, JsonProperty entry)
    {
        if (entry.Value.ValueKind != JsonValueKind.Object || !entry.Value.TryGetProperty("dtype", out var value) || value.ValueKind != JsonValueKind.String)
            throw Invalid(path, $"entry '{entry.Name}' has no string \"dtype\"");
        return value.GetString() switch
        {
            "F64" => (ScalarType.Float64, 8),
            "F32" => (ScalarType.Float32, 4),
            "F16" => (ScalarType.Float16, 2),
            "BF16" => (ScalarType.BFloat16, 2),
            "I64" => (ScalarType.Int64, 8),
            "I32" => (ScalarType.Int32, 4),
            "I16" => (ScalarType.Int16, 2),
            "I8" => (ScalarType.Int8, 1),
            "U8" => (ScalarType.Byte, 1),
            "BOOL" => (ScalarType.Bool, 1),
            var other => throw Invalid(path, $"entry '{entry.Name}' has the unsupported dtype \"{other}\""),
        };
    }

    private static long[] Shape(string path, JsonProperty entry)
    {
        if (!entry.Value.TryGetProperty("shape", out var value) || value.ValueKind != JsonValueKind.Array)
            throw Invalid(path, $"entry '{entry.Name}' has no \"shape\" array");
        var shape = new List<long>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var size) || size < 0)
                throw Invalid(path, $"entry '{entry.Name}' has an invalid shape {value.GetRawText()}");
            shape.Add(size);
        }

        return [.. shape];
    }

    private static (long Begin, long End) Offsets(string path, JsonProperty entry)
    {
        if (!entry.Value.TryGetProperty("data_offsets", out var value) || value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2
            || !value[0].TryGetInt64(out var begin) || !value[1].TryGetInt64(out var end) || begin < 0 || end < begin)
            throw Invalid(path, $"entry '{entry.Name}' has no valid \"data_offsets\" [begin, end]");
        return (begin, end);
    }

    private static InvalidDataException Invalid(string path, string problem) =>
        new($"'{path}' is not a valid .safetensors file: {problem}.");
}
