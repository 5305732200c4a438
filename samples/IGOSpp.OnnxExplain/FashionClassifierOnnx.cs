using System.Runtime.InteropServices;
using Google.Protobuf;
using TorchSharp;

namespace IGOSpp.Samples.OnnxExplain;

/// <summary>
/// Writes the sample's default model: a real ONNX Fashion-MNIST classifier made of ML.NET's ImageNet-pretrained
/// ResNet18.onnx (output <see cref="FeatureOutput"/>, [1,512,1,1]) followed by <c>Flatten</c> and
/// <c>Gemm(features, weight, bias, transB=1)</c> with the trained linear 512→10 head of tools/IGOSpp.ResNetHead,
/// producing <see cref="LogitsOutput"/> [1,10].
/// <para>It works on the protobuf encoding (onnx.proto field numbers): the backbone's top-level ModelProto fields are
/// copied byte for byte, and its GraphProto (field 7) is written once, as the original graph's bytes followed by a
/// second serialized GraphProto holding only the new nodes (field 1), initializers (field 5), their input entries when
/// the IR version is 3 (field 11) and the new output (field 12). Concatenated encodings of a message parse as the
/// merged message and repeated fields append, so the result is the original graph plus the head, with two outputs
/// (the features and the logits).</para>
/// </summary>
internal static class FashionClassifierOnnx
{
    /// <summary>Output of ResNet18.onnx: the globally pooled features [1,512,1,1].</summary>
    public const string FeatureOutput = "Pooling395_Output_0";

    /// <summary>The added output: class logits [1,10].</summary>
    public const string LogitsOutput = "logits";

    /// <summary>Number of Fashion-MNIST classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Length of the backbone's feature vector.</summary>
    public const int FeatureCount = 512;

    /// <summary>Fashion-MNIST class names by index.</summary>
    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Per-channel means the head was trained with, BGR order, 0–255 scale (see ResNetFashionClassifier).</summary>
    public static readonly float[] MeanBgr = [103.06f, 115.90f, 123.15f];

    private const WireFormat.WireType Varint = WireFormat.WireType.Varint;
    private const WireFormat.WireType Delimited = WireFormat.WireType.LengthDelimited;

    /// <summary>Writes backbone + head as one ONNX file and returns the backbone's IR version.</summary>
    /// <param name="backbonePath">ResNet18.onnx.</param>
    /// <param name="headPath">The head saved with TorchSharp's <c>Module.save</c> (<c>nn.Linear(512, 10)</c>).</param>
    /// <param name="outputPath">The classifier to write.</param>
    public static long Write(string backbonePath, string headPath, string outputPath)
    {
        var (weight, bias) = ReadHead(headPath);
        var original = File.ReadAllBytes(backbonePath);
        var irVersion = 0L;
        byte[]? graph = null;
        using var stream = new MemoryStream();

        // Top-level fields are copied verbatim, except the graph, which is written once at the end.
        var input = new CodedInputStream(original);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var start = (int)input.Position - CodedOutputStream.ComputeRawVarint32Size(tag);
            var field = WireFormat.GetTagFieldNumber(tag);
            if (field == 7 && WireFormat.GetTagWireType(tag) == Delimited)
            {
                graph = input.ReadBytes().ToByteArray();
                continue;
            }

            if (field == 1 && WireFormat.GetTagWireType(tag) == Varint)
            {
                irVersion = input.ReadInt64();
            }
            else
            {
                input.SkipLastField();
            }

            stream.Write(original, start, (int)input.Position - start);
        }

        if (graph is null) throw new InvalidDataException($"'{backbonePath}' has no graph.");
        var head = HeadGraph(weight, bias, irVersion);
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            WriteBytes(output, 7, [.. graph, .. head]);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        // Written beside the target and moved over it, so an interrupted run never leaves a truncated model behind.
        var partial = outputPath + ".partial";
        File.WriteAllBytes(partial, stream.ToArray());
        File.Move(partial, outputPath, overwrite: true);
        return irVersion;
    }

    private static (float[] Weight, float[] Bias) ReadHead(string headPath)
    {
        using var head = torch.nn.Linear(FeatureCount, ClassCount);
        head.load(headPath);
        return (head.weight!.data<float>().ToArray(), head.bias!.data<float>().ToArray());
    }

    // The GraphProto fields appended to the backbone's graph.
    private static byte[] HeadGraph(float[] weight, float[] bias, long irVersion) => Message(g =>
    {
        WriteBytes(g, 1, Node("Flatten", [FeatureOutput], ["features"], "head_flatten", IntAttribute("axis", 1)));
        WriteBytes(g, 1, Node("Gemm", ["features", "head.weight", "head.bias"], [LogitsOutput], "head_gemm",
            IntAttribute("transB", 1)));
        WriteBytes(g, 5, FloatTensor("head.weight", weight, [ClassCount, FeatureCount]));
        WriteBytes(g, 5, FloatTensor("head.bias", bias, [ClassCount]));
        if (irVersion < 4)
        {
            // IR version 3 requires every initializer to be declared as a graph input as well.
            WriteBytes(g, 11, ValueInfo("head.weight", [ClassCount, FeatureCount]));
            WriteBytes(g, 11, ValueInfo("head.bias", [ClassCount]));
        }

        WriteBytes(g, 12, ValueInfo(LogitsOutput, [1, ClassCount]));
    });

    // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
    private static byte[] Node(string opType, string[] inputs, string[] outputs, string name, params byte[][] attributes) => Message(o =>
    {
        foreach (var input in inputs) WriteString(o, 1, input);
        foreach (var output in outputs) WriteString(o, 2, output);
        WriteString(o, 3, name);
        WriteString(o, 4, opType);
        foreach (var attribute in attributes) WriteBytes(o, 5, attribute);
    });

    // AttributeProto: name 1, i 3, type 20 (INT = 2).
    private static byte[] IntAttribute(string name, long value) => Message(o =>
    {
        WriteString(o, 1, name);
        o.WriteTag(3, Varint);
        o.WriteInt64(value);
        o.WriteTag(20, Varint);
        o.WriteEnum(2);
    });

    // TensorProto: dims 1 (packed), data_type 2 (FLOAT = 1), name 8, raw_data 9 (little-endian).
    private static byte[] FloatTensor(string name, float[] data, long[] dims) => Message(o =>
    {
        WriteBytes(o, 1, Message(p =>
        {
            foreach (var d in dims) p.WriteInt64(d);
        }));
        o.WriteTag(2, Varint);
        o.WriteInt32(1);
        WriteString(o, 8, name);
        WriteBytes(o, 9, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
    });

    // ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1 (FLOAT), shape 2 → dim 1 → dim_value 1.
    private static byte[] ValueInfo(string name, long[] shape) => Message(o =>
    {
        WriteString(o, 1, name);
        WriteBytes(o, 2, Message(type => WriteBytes(type, 1, Message(tensor =>
        {
            tensor.WriteTag(1, Varint);
            tensor.WriteInt32(1);
            WriteBytes(tensor, 2, Message(s =>
            {
                foreach (var d in shape)
                {
                    WriteBytes(s, 1, Message(dim =>
                    {
                        dim.WriteTag(1, Varint);
                        dim.WriteInt64(d);
                    }));
                }
            }));
        }))));
    });

    private static void WriteString(CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, Delimited);
        o.WriteString(value);
    }

    private static void WriteBytes(CodedOutputStream o, int field, byte[] value)
    {
        o.WriteTag(field, Delimited);
        o.WriteBytes(UnsafeByteOperations.UnsafeWrap(value));
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
