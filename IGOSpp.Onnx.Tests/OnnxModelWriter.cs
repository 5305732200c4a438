using System.Runtime.InteropServices;
using Google.Protobuf;

namespace IGOSpp.Tests.Onnx;

/// <summary>
/// Writes small ONNX models (ModelProto protobuf, onnx/onnx's onnx.proto field numbers) for the operator tests, with
/// Google.Protobuf's <see cref="CodedOutputStream"/>. Only what the tests need: float inputs/outputs, float and int64
/// initializers, nodes with attributes.
/// </summary>
public sealed class OnnxModelWriter
{
    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _initializers = [];
    private readonly List<byte[]> _inputs = [];
    private readonly List<byte[]> _outputs = [];
    private readonly long _opset;
    private readonly long _irVersion;

    public OnnxModelWriter(long opset, long? irVersion = null)
    {
        _opset = opset;
        // The IR version that shipped with each opset (ONNX Runtime checks that the pair is consistent).
        _irVersion = irVersion ?? opset switch
        {
            <= 8 => 3,
            9 => 4,
            10 => 5,
            11 => 6,
            <= 14 => 7,
            <= 18 => 8,
            <= 20 => 9,
            _ => 10,
        };
    }

    /// <summary>A float graph input; a null dimension is written as the symbolic dimension "N".</summary>
    public OnnxModelWriter Input(string name, params long?[] shape)
    {
        _inputs.Add(ValueInfo(name, 1, shape));
        return this;
    }

    /// <summary>A float graph output without a declared shape.</summary>
    public OnnxModelWriter Output(string name)
    {
        _outputs.Add(ValueInfo(name, 1, null));
        return this;
    }

    public OnnxModelWriter Initializer(string name, float[] data, params long[] dims)
    {
        _initializers.Add(FloatTensor(name, data, dims));
        // IR version 3 requires every initializer to be declared as a graph input too.
        if (_irVersion < 4)
        {
            _inputs.Add(ValueInfo(name, 1, dims.Select(d => (long?)d).ToArray()));
        }

        return this;
    }

    public OnnxModelWriter Initializer(string name, long[] data, params long[] dims)
    {
        _initializers.Add(Int64Tensor(name, data, dims));
        if (_irVersion < 4)
        {
            _inputs.Add(ValueInfo(name, 7, dims.Select(d => (long?)d).ToArray()));
        }

        return this;
    }

    /// <summary>Adds a raw TensorProto initializer (for malformed/unsupported data tests).</summary>
    public OnnxModelWriter RawInitializer(byte[] tensorProto)
    {
        _initializers.Add(tensorProto);
        return this;
    }

    public OnnxModelWriter Node(string opType, string[] inputs, string[] outputs, string name = "", params byte[][] attributes)
    {
        _nodes.Add(Message(o =>
        {
            foreach (var input in inputs)
            {
                WriteString(o, 1, input);
            }

            foreach (var output in outputs)
            {
                WriteString(o, 2, output);
            }

            WriteString(o, 3, name.Length > 0 ? name : $"{opType.ToLowerInvariant()}_{_nodes.Count}");
            WriteString(o, 4, opType);
            foreach (var attribute in attributes)
            {
                WriteBytes(o, 5, attribute);
            }
        }));
        return this;
    }

    public byte[] ToBytes() => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Varint);
        o.WriteInt64(_irVersion);
        WriteString(o, 2, "IGOSpp.Tests");
        WriteBytes(o, 7, Graph());
        WriteBytes(o, 8, Message(s =>
        {
            WriteString(s, 1, "");
            s.WriteTag(2, WireFormat.WireType.Varint);
            s.WriteInt64(_opset);
        }));
    });

    /// <summary>Only ModelProto field 7 (the graph): appended to a serialized model, protobuf merges it into that graph.</summary>
    public byte[] ToGraphFieldBytes() => Message(o => WriteBytes(o, 7, Graph()));

    private byte[] Graph() => Message(g =>
        {
            foreach (var node in _nodes)
            {
                WriteBytes(g, 1, node);
            }

            WriteString(g, 2, "test_graph");
            foreach (var initializer in _initializers)
            {
                WriteBytes(g, 5, initializer);
            }

            foreach (var input in _inputs)
            {
                WriteBytes(g, 11, input);
            }

            foreach (var output in _outputs)
            {
                WriteBytes(g, 12, output);
            }
        });

    public static byte[] IntAttribute(string name, long value) => Message(o =>
    {
        WriteString(o, 1, name);
        o.WriteTag(3, WireFormat.WireType.Varint);
        o.WriteInt64(value);
        WriteType(o, 2);
    });

    public static byte[] FloatAttribute(string name, float value) => Message(o =>
    {
        WriteString(o, 1, name);
        o.WriteTag(2, WireFormat.WireType.Fixed32);
        o.WriteFloat(value);
        WriteType(o, 1);
    });

    public static byte[] StringAttribute(string name, string value) => Message(o =>
    {
        WriteString(o, 1, name);
        WriteString(o, 4, value);
        WriteType(o, 3);
    });

    public static byte[] IntsAttribute(string name, params long[] values) => Message(o =>
    {
        WriteString(o, 1, name);
        WriteBytes(o, 8, Message(p =>
        {
            foreach (var v in values)
            {
                p.WriteInt64(v);
            }
        }));
        WriteType(o, 7);
    });

    public static byte[] FloatsAttribute(string name, params float[] values) => Message(o =>
    {
        WriteString(o, 1, name);
        foreach (var v in values)
        {
            // Unpacked on purpose: the reader must accept both encodings of repeated fields.
            o.WriteTag(7, WireFormat.WireType.Fixed32);
            o.WriteFloat(v);
        }

        WriteType(o, 6);
    });

    public static byte[] TensorAttribute(string name, float[] data, params long[] dims) => Message(o =>
    {
        WriteString(o, 1, name);
        WriteBytes(o, 5, FloatTensor("", data, dims, useFloatData: true));
        WriteType(o, 4);
    });

    public static byte[] FloatTensor(string name, float[] data, long[] dims, bool useFloatData = false) => Message(o =>
    {
        WritePackedInt64(o, 1, dims);
        o.WriteTag(2, WireFormat.WireType.Varint);
        o.WriteInt32(1);
        if (useFloatData)
        {
            WriteBytes(o, 4, Message(p =>
            {
                foreach (var v in data)
                {
                    p.WriteFloat(v);
                }
            }));
        }
        else
        {
            WriteBytes(o, 9, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
        }

        WriteString(o, 8, name);
    });

    public static byte[] Int64Tensor(string name, long[] data, long[] dims) => Message(o =>
    {
        WritePackedInt64(o, 1, dims);
        o.WriteTag(2, WireFormat.WireType.Varint);
        o.WriteInt32(7);
        WritePackedInt64(o, 7, data);
        WriteString(o, 8, name);
    });

    /// <summary>A TensorProto with an arbitrary data type and raw bytes.</summary>
    public static byte[] RawTensor(string name, int dataType, byte[] raw, params long[] dims) => Message(o =>
    {
        WritePackedInt64(o, 1, dims);
        o.WriteTag(2, WireFormat.WireType.Varint);
        o.WriteInt32(dataType);
        WriteBytes(o, 9, raw);
        WriteString(o, 8, name);
    });

    private static byte[] ValueInfo(string name, int elemType, long?[]? shape) => Message(o =>
    {
        WriteString(o, 1, name);
        WriteBytes(o, 2, Message(type => WriteBytes(type, 1, Message(tensor =>
        {
            tensor.WriteTag(1, WireFormat.WireType.Varint);
            tensor.WriteInt32(elemType);
            if (shape is not null)
            {
                WriteBytes(tensor, 2, Message(s =>
                {
                    foreach (var d in shape)
                    {
                        WriteBytes(s, 1, Message(dim =>
                        {
                            if (d is { } value)
                            {
                                dim.WriteTag(1, WireFormat.WireType.Varint);
                                dim.WriteInt64(value);
                            }
                            else
                            {
                                WriteString(dim, 2, "N");
                            }
                        }));
                    }
                }));
            }
        }))));
    });

    private static void WriteType(CodedOutputStream o, int type)
    {
        o.WriteTag(20, WireFormat.WireType.Varint);
        o.WriteEnum(type);
    }

    private static void WritePackedInt64(CodedOutputStream o, int field, long[] values)
    {
        if (values.Length > 0)
        {
            WriteBytes(o, field, Message(p =>
            {
                foreach (var v in values)
                {
                    p.WriteInt64(v);
                }
            }));
        }
    }

    private static void WriteString(CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    private static void WriteBytes(CodedOutputStream o, int field, byte[] value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(value));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }

        return stream.ToArray();
    }
}
