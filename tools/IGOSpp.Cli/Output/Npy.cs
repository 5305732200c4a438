using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace IGOSpp.Cli.Output;

/// <summary>
/// NumPy's <c>.npy</c> format, version 1.0, for float32 arrays in C order: the magic <c>\x93NUMPY</c>, version 1 0,
/// a little-endian uint16 header length, an ASCII dict <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (…), }</c>
/// padded with spaces and ended by a newline so that the data starts at a multiple of 64 bytes, then the values.
/// <c>numpy.load</c> reads it; so does <see cref="ReadFloat32"/>.
/// </summary>
internal static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Encodes <paramref name="values"/> (row-major, <c>shape.Product()</c> of them) as a .npy file.</summary>
    public static byte[] EncodeFloat32(ReadOnlySpan<float> values, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var d in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(shape));
            count *= d;
        }

        if (count != values.Length)
            throw new ArgumentException($"The shape ({string.Join(", ", shape)}) holds {count} values; {values.Length} were given.", nameof(values));

        var dims = shape.Count == 1
            ? $"{shape[0].ToString(CultureInfo.InvariantCulture)},"
            : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        // 6 magic + 2 version + 2 length + header (ending in '\n') is a multiple of 64.
        var unpadded = Magic.Length + 4 + dict.Length + 1;
        var padding = (64 - unpadded % 64) % 64;
        var header = dict + new string(' ', padding) + "\n";
        if (header.Length > ushort.MaxValue)
            throw new ArgumentException("The shape has too many dimensions for a version 1.0 header.", nameof(shape));

        var bytes = new byte[Magic.Length + 4 + header.Length + values.Length * sizeof(float)];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header, bytes.AsSpan(10));
        var data = bytes.AsSpan(10 + header.Length);
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(data[(i * sizeof(float))..], values[i]);
        return bytes;
    }

    /// <summary>Decodes a version 1.0 or 2.0 .npy file holding little-endian float32 values in C order.</summary>
    /// <exception cref="InvalidDataException">Not such a file.</exception>
    public static (float[] Values, long[] Shape) ReadFloat32(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException("Not a .npy file (the magic string \\x93NUMPY is missing).");
        var major = bytes[6];
        int headerLength, headerStart;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
            headerStart = 10;
        }
        else if (major is 2 or 3)
        {
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
            headerStart = 12;
        }
        else
        {
            throw new InvalidDataException($"Unsupported .npy version {major}.");
        }

        var header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        if (!header.Contains("'descr': '<f4'", StringComparison.Ordinal))
            throw new InvalidDataException($"Only little-endian float32 ('<f4') arrays are supported; the header is {header.Trim()}.");
        if (!header.Contains("'fortran_order': False", StringComparison.Ordinal))
            throw new InvalidDataException("Only C-order arrays are supported.");
        var match = ShapePattern().Match(header);
        if (!match.Success) throw new InvalidDataException($"No shape in the header {header.Trim()}.");
        var shape = match.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => long.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var dataStart = headerStart + headerLength;
        if (bytes.Length - dataStart != count * sizeof(float))
            throw new InvalidDataException($"The header declares {count} values; the file holds {(bytes.Length - dataStart) / 4.0}.");
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + i * sizeof(float)));
        return (values, shape);
    }

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
