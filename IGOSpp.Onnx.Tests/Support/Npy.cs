using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace IGOSpp.Tests.Onnx;

/// <summary>Reads the float32 .npy files (format 1.0, little-endian, C order) that tools/onnx-fixtures writes.</summary>
internal static partial class Npy
{
    public static (float[] Data, long[] Shape) ReadFloat32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY" || bytes[6] != 1)
        {
            throw new InvalidDataException($"'{path}' is not a version 1 .npy file.");
        }

        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8, 2));
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        if (!header.Contains("'descr': '<f4'", StringComparison.Ordinal) || !header.Contains("'fortran_order': False", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{path}' is not a C-ordered little-endian float32 array: {header}");
        }

        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
        var offset = 10 + headerLength;
        if (bytes.Length - offset != data.Length * 4)
        {
            throw new InvalidDataException($"'{path}' holds {bytes.Length - offset} data bytes, expected {data.Length * 4}.");
        }

        Buffer.BlockCopy(bytes, offset, data, 0, data.Length * 4);
        return (data, shape);
    }

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
