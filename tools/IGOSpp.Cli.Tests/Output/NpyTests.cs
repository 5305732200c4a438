using System.Text;
using FluentAssertions;
using IGOSpp.Cli.Output;

namespace IGOSpp.Cli.Tests.Output;

[TestFixture]
public sealed class NpyTests
{
    [Test]
    public void EncodeFloat32_Matrix_WritesVersion1HeaderAlignedTo64Bytes()
    {
        var bytes = Npy.EncodeFloat32(new float[6], [2, 3]);

        bytes.AsSpan(0, 8).ToArray().Should().Equal(0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0);
        var headerLength = bytes[8] | (bytes[9] << 8);
        ((10 + headerLength) % 64).Should().Be(0);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        header.Should().StartWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }").And.EndWith("\n");
        bytes.Length.Should().Be(10 + headerLength + 6 * 4);
    }

    [Test]
    public void EncodeFloat32_ThenRead_RoundTripsValuesAndShape()
    {
        float[] values = [0f, -1.5f, 3.25f, float.Epsilon, 1e30f, 0.1f, 7f, -0f, 2f, 4f, 8f, 16f];

        var (read, shape) = Npy.ReadFloat32(Npy.EncodeFloat32(values, [3, 4]));

        read.Should().Equal(values);
        shape.Should().Equal(3, 4);
    }

    [Test]
    public void EncodeFloat32_OneDimension_WritesPythonTupleWithComma()
    {
        var bytes = Npy.EncodeFloat32([1f, 2f], [2]);

        Encoding.ASCII.GetString(bytes).Should().Contain("'shape': (2,), }");
        Npy.ReadFloat32(bytes).Shape.Should().Equal(2);
    }

    [Test]
    public void EncodeFloat32_ValuesThatDoNotFillTheShape_Throws()
    {
        var act = () => Npy.EncodeFloat32(new float[5], [2, 3]);

        act.Should().Throw<ArgumentException>().WithMessage("*6 values; 5 were given*");
    }

    [Test]
    public void ReadFloat32_FileWrittenByNumPy_IsRead()
    {
        // numpy.save of np.arange(4, dtype=np.float32).reshape(2, 2), byte for byte (header padded by NumPy).
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
        header += new string(' ', 128 - 10 - header.Length - 1) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 };
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (var v in new[] { 0f, 1f, 2f, 3f }) bytes.AddRange(BitConverter.GetBytes(v));

        var (values, shape) = Npy.ReadFloat32([.. bytes]);

        values.Should().Equal(0f, 1f, 2f, 3f);
        shape.Should().Equal(2, 2);
    }
}
