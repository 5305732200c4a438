using System.Runtime.InteropServices;
using Google.Protobuf;

namespace IGOSpp.Onnx;

// A hand-written decoder for the subset of onnx.proto (onnx/onnx, onnx.proto3) that the importer needs.
// Field numbers are those of the public schema; unknown fields are skipped, as protobuf requires.

/// <summary>TensorProto.DataType values used by the importer.</summary>
internal enum OnnxDataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>AttributeProto.AttributeType values.</summary>
internal enum OnnxAttributeType
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
    SparseTensor = 11,
    SparseTensors = 12,
    TypeProto = 13,
    TypeProtos = 14,
}

internal sealed class OnnxModelProto
{
    public long IrVersion { get; set; }

    public List<(string Domain, long Version)> OpsetImports { get; } = [];

    public string ProducerName { get; set; } = "";

    public OnnxGraphProto? Graph { get; set; }
}

internal sealed class OnnxGraphProto
{
    public string Name { get; set; } = "";

    public List<OnnxNodeProto> Nodes { get; } = [];

    public List<OnnxTensorProto> Initializers { get; } = [];

    public int SparseInitializerCount { get; set; }

    public List<OnnxValueInfoProto> Inputs { get; } = [];

    public List<OnnxValueInfoProto> Outputs { get; } = [];
}

internal sealed class OnnxNodeProto
{
    public List<string> Inputs { get; } = [];

    public List<string> Outputs { get; } = [];

    public string Name { get; set; } = "";

    public string OpType { get; set; } = "";

    public string Domain { get; set; } = "";

    public List<OnnxAttributeProto> Attributes { get; } = [];
}

internal sealed class OnnxAttributeProto
{
    public string Name { get; set; } = "";

    public OnnxAttributeType Type { get; set; }

    public float F { get; set; }

    public long I { get; set; }

    public byte[] S { get; set; } = [];

    public OnnxTensorProto? T { get; set; }

    public bool HasGraph { get; set; }

    public bool HasSparseTensor { get; set; }

    public List<float> Floats { get; } = [];

    public List<long> Ints { get; } = [];

    public List<byte[]> Strings { get; } = [];

    public int TensorCount { get; set; }
}

internal sealed class OnnxTensorProto
{
    public string Name { get; set; } = "";

    public List<long> Dims { get; } = [];

    public OnnxDataType DataType { get; set; }

    public List<float> FloatData { get; } = [];

    public List<int> Int32Data { get; } = [];

    public List<long> Int64Data { get; } = [];

    public List<double> DoubleData { get; } = [];

    public List<ulong> UInt64Data { get; } = [];

    public int StringDataCount { get; set; }

    public ByteString? RawData { get; set; }

    public bool IsExternal { get; set; }

    public bool HasSegment { get; set; }
}

internal sealed class OnnxValueInfoProto
{
    public string Name { get; set; } = "";

    /// <summary>Element type of a tensor type, or <see cref="OnnxDataType.Undefined"/> when absent.</summary>
    public OnnxDataType ElemType { get; set; }

    /// <summary>Whether the value is declared as a tensor (and not a sequence or map).</summary>
    public bool IsTensor { get; set; }

    /// <summary>The declared shape: a known size, or null for a symbolic/unknown dimension. Null when no shape is given.</summary>
    public List<long?>? Shape { get; set; }
}

/// <summary>Decodes ONNX protobuf messages with <see cref="CodedInputStream"/>.</summary>
internal static class OnnxProtoReader
{
    private const WireFormat.WireType Varint = WireFormat.WireType.Varint;
    private const WireFormat.WireType Fixed32 = WireFormat.WireType.Fixed32;
    private const WireFormat.WireType Fixed64 = WireFormat.WireType.Fixed64;
    private const WireFormat.WireType Delimited = WireFormat.WireType.LengthDelimited;

    /// <summary>Decodes a serialized ModelProto.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid protobuf encoding of an ONNX model.</exception>
    public static OnnxModelProto ReadModel(byte[] data)
    {
        try
        {
            var model = new OnnxModelProto();
            var input = new CodedInputStream(data);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: Expect(tag, Varint); model.IrVersion = input.ReadInt64(); break;
                    case 2: Expect(tag, Delimited); model.ProducerName = input.ReadString(); break;
                    // A repeated singular message field merges into the first (protobuf encoding rules).
                    case 7: Expect(tag, Delimited); model.Graph = ReadGraph(Sub(input), model.Graph); break;
                    case 8: Expect(tag, Delimited); model.OpsetImports.Add(ReadOpset(Sub(input))); break;
                    default: input.SkipLastField(); break;
                }
            }

            return model;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"Malformed protobuf: {ex.Message}", ex);
        }
    }

    private static (string Domain, long Version) ReadOpset(CodedInputStream input)
    {
        var domain = "";
        long version = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: Expect(tag, Delimited); domain = input.ReadString(); break;
                case 2: Expect(tag, Varint); version = input.ReadInt64(); break;
                default: input.SkipLastField(); break;
            }
        }

        return (domain, version);
    }

    private static OnnxGraphProto ReadGraph(CodedInputStream input, OnnxGraphProto? mergeInto = null)
    {
        var graph = mergeInto ?? new OnnxGraphProto();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: Expect(tag, Delimited); graph.Nodes.Add(ReadNode(Sub(input))); break;
                case 2: Expect(tag, Delimited); graph.Name = input.ReadString(); break;
                case 5: Expect(tag, Delimited); graph.Initializers.Add(ReadTensor(Sub(input))); break;
                case 11: Expect(tag, Delimited); graph.Inputs.Add(ReadValueInfo(Sub(input))); break;
                case 12: Expect(tag, Delimited); graph.Outputs.Add(ReadValueInfo(Sub(input))); break;
                case 15: Expect(tag, Delimited); input.SkipLastField(); graph.SparseInitializerCount++; break;
                default: input.SkipLastField(); break;
            }
        }

        return graph;
    }

    private static OnnxNodeProto ReadNode(CodedInputStream input)
    {
        var node = new OnnxNodeProto();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: Expect(tag, Delimited); node.Inputs.Add(input.ReadString()); break;
                case 2: Expect(tag, Delimited); node.Outputs.Add(input.ReadString()); break;
                case 3: Expect(tag, Delimited); node.Name = input.ReadString(); break;
                case 4: Expect(tag, Delimited); node.OpType = input.ReadString(); break;
                case 5: Expect(tag, Delimited); node.Attributes.Add(ReadAttribute(Sub(input))); break;
                case 7: Expect(tag, Delimited); node.Domain = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }

        return node;
    }

    private static OnnxAttributeProto ReadAttribute(CodedInputStream input)
    {
        var attribute = new OnnxAttributeProto();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: Expect(tag, Delimited); attribute.Name = input.ReadString(); break;
                case 2: Expect(tag, Fixed32); attribute.F = input.ReadFloat(); break;
                case 3: Expect(tag, Varint); attribute.I = input.ReadInt64(); break;
                case 4: Expect(tag, Delimited); attribute.S = input.ReadBytes().ToByteArray(); break;
                case 5: Expect(tag, Delimited); attribute.T = ReadTensor(Sub(input)); break;
                case 6: Expect(tag, Delimited); input.SkipLastField(); attribute.HasGraph = true; break;
                case 7: ReadRepeatedFloat(input, tag, attribute.Floats); break;
                case 8: ReadRepeatedInt64(input, tag, attribute.Ints); break;
                case 9: Expect(tag, Delimited); attribute.Strings.Add(input.ReadBytes().ToByteArray()); break;
                case 10: Expect(tag, Delimited); input.SkipLastField(); attribute.TensorCount++; break;
                case 20: Expect(tag, Varint); attribute.Type = (OnnxAttributeType)input.ReadEnum(); break;
                case 22: Expect(tag, Delimited); input.SkipLastField(); attribute.HasSparseTensor = true; break;
                default: input.SkipLastField(); break;
            }
        }

        return attribute;
    }

    private static OnnxTensorProto ReadTensor(CodedInputStream input)
    {
        var tensor = new OnnxTensorProto();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: ReadRepeatedInt64(input, tag, tensor.Dims); break;
                case 2: Expect(tag, Varint); tensor.DataType = (OnnxDataType)input.ReadInt32(); break;
                case 3: Expect(tag, Delimited); input.SkipLastField(); tensor.HasSegment = true; break;
                case 4: ReadRepeatedFloat(input, tag, tensor.FloatData); break;
                case 5: ReadRepeatedInt32(input, tag, tensor.Int32Data); break;
                case 6: Expect(tag, Delimited); input.SkipLastField(); tensor.StringDataCount++; break;
                case 7: ReadRepeatedInt64(input, tag, tensor.Int64Data); break;
                case 8: Expect(tag, Delimited); tensor.Name = input.ReadString(); break;
                case 9: Expect(tag, Delimited); tensor.RawData = input.ReadBytes(); break;
                case 10: ReadRepeatedDouble(input, tag, tensor.DoubleData); break;
                case 11: ReadRepeatedUInt64(input, tag, tensor.UInt64Data); break;
                case 13: Expect(tag, Delimited); input.SkipLastField(); tensor.IsExternal = true; break;
                case 14: Expect(tag, Varint); tensor.IsExternal |= input.ReadEnum() == 1; break;
                default: input.SkipLastField(); break;
            }
        }

        return tensor;
    }

    private static OnnxValueInfoProto ReadValueInfo(CodedInputStream input)
    {
        var info = new OnnxValueInfoProto();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: Expect(tag, Delimited); info.Name = input.ReadString(); break;
                case 2: Expect(tag, Delimited); ReadType(Sub(input), info); break;
                default: input.SkipLastField(); break;
            }
        }

        return info;
    }

    private static void ReadType(CodedInputStream input, OnnxValueInfoProto info)
    {
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                Expect(tag, Delimited);
                info.IsTensor = true;
                ReadTensorType(Sub(input), info);
            }
            else
            {
                input.SkipLastField();
            }
        }
    }

    private static void ReadTensorType(CodedInputStream input, OnnxValueInfoProto info)
    {
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: Expect(tag, Varint); info.ElemType = (OnnxDataType)input.ReadInt32(); break;
                case 2: Expect(tag, Delimited); info.Shape = ReadShape(Sub(input)); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    private static List<long?> ReadShape(CodedInputStream input)
    {
        var dims = new List<long?>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1)
            {
                input.SkipLastField();
                continue;
            }

            Expect(tag, Delimited);
            var dimension = Sub(input);
            long? value = null;
            uint dimTag;
            while ((dimTag = dimension.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(dimTag) == 1)
                {
                    Expect(dimTag, Varint);
                    value = dimension.ReadInt64();
                }
                else
                {
                    dimension.SkipLastField();
                }
            }

            dims.Add(value is >= 0 ? value : null);
        }

        return dims;
    }

    /// <summary>Reads a length-delimited field as a nested message stream without copying its bytes twice.</summary>
    private static CodedInputStream Sub(CodedInputStream input)
    {
        var bytes = input.ReadBytes();
        return MemoryMarshal.TryGetArray(bytes.Memory, out var segment) && segment.Array is not null
            ? new CodedInputStream(segment.Array, segment.Offset, segment.Count)
            : new CodedInputStream(bytes.ToByteArray());
    }

    private static void Expect(uint tag, WireFormat.WireType wireType)
    {
        if (WireFormat.GetTagWireType(tag) != wireType)
        {
            throw new InvalidDataException(
                $"Field {WireFormat.GetTagFieldNumber(tag)} has wire type {WireFormat.GetTagWireType(tag)}, expected {wireType}.");
        }
    }

    private static void ReadRepeatedFloat(CodedInputStream input, uint tag, List<float> values)
    {
        if (WireFormat.GetTagWireType(tag) == Delimited)
        {
            var packed = Sub(input);
            while (!packed.IsAtEnd)
            {
                values.Add(packed.ReadFloat());
            }
        }
        else
        {
            Expect(tag, Fixed32);
            values.Add(input.ReadFloat());
        }
    }

    private static void ReadRepeatedDouble(CodedInputStream input, uint tag, List<double> values)
    {
        if (WireFormat.GetTagWireType(tag) == Delimited)
        {
            var packed = Sub(input);
            while (!packed.IsAtEnd)
            {
                values.Add(packed.ReadDouble());
            }
        }
        else
        {
            Expect(tag, Fixed64);
            values.Add(input.ReadDouble());
        }
    }

    private static void ReadRepeatedInt64(CodedInputStream input, uint tag, List<long> values)
    {
        if (WireFormat.GetTagWireType(tag) == Delimited)
        {
            var packed = Sub(input);
            while (!packed.IsAtEnd)
            {
                values.Add(packed.ReadInt64());
            }
        }
        else
        {
            Expect(tag, Varint);
            values.Add(input.ReadInt64());
        }
    }

    private static void ReadRepeatedUInt64(CodedInputStream input, uint tag, List<ulong> values)
    {
        if (WireFormat.GetTagWireType(tag) == Delimited)
        {
            var packed = Sub(input);
            while (!packed.IsAtEnd)
            {
                values.Add(packed.ReadUInt64());
            }
        }
        else
        {
            Expect(tag, Varint);
            values.Add(input.ReadUInt64());
        }
    }

    private static void ReadRepeatedInt32(CodedInputStream input, uint tag, List<int> values)
    {
        if (WireFormat.GetTagWireType(tag) == Delimited)
        {
            var packed = Sub(input);
            while (!packed.IsAtEnd)
            {
                values.Add(packed.ReadInt32());
            }
        }
        else
        {
            Expect(tag, Varint);
            values.Add(input.ReadInt32());
        }
    }
}
