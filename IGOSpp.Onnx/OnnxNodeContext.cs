using System.Text;
using static TorchSharp.torch;

namespace IGOSpp.Onnx;

/// <summary>What an operator builder sees of one node: attributes, constant inputs, the opset, error helpers.</summary>
internal sealed class OnnxNodeContext
{
    private readonly OnnxGraphCompiler _compiler;
    private readonly HashSet<int> _loadTimeInputs = [];

    public OnnxNodeContext(OnnxGraphCompiler compiler, OnnxNodeProto node)
    {
        _compiler = compiler;
        Node = node;
    }

    public OnnxNodeProto Node { get; }

    public string OpType => Node.OpType;

    /// <summary>"Conv node 'conv1'": how messages name the node.</summary>
    public string Description => $"{(Node.OpType.Length == 0 ? "(no op_type)" : Node.OpType)} node '{(Node.Name.Length == 0 ? "(unnamed, output " + (Node.Outputs.Count > 0 ? Node.Outputs[0] : "") + ")" : Node.Name)}'";

    public long Opset => _compiler.Opset;

    public long? DeclaredBatch => _compiler.DeclaredBatch;

    public bool DynamicBatch => _compiler.DynamicBatch;

    public bool HasInput(int index) => index < Node.Inputs.Count && Node.Inputs[index].Length > 0;

    /// <summary>Whether input <paramref name="index"/> is read when the module runs (present and not consumed at load time).</summary>
    public bool IsRuntimeInput(int index) => HasInput(index) && !_loadTimeInputs.Contains(index);

    public bool IsConstantInput(int index) => HasInput(index) && _compiler.IsConstant(Node.Inputs[index]);

    /// <summary>Reads input <paramref name="index"/> at load time; it must be an initializer or a Constant node output.</summary>
    public Tensor ConstantInput(int index)
    {
        if (!IsConstantInput(index))
        {
            throw Unsupported($"input {index} ('{(HasInput(index) ? Node.Inputs[index] : "")}') must be a constant (an initializer or a Constant node output); values computed at run time are not supported there.");
        }

        _loadTimeInputs.Add(index);
        return _compiler.GetConstant(Node.Inputs[index]);
    }

    /// <summary>Marks input <paramref name="index"/> as not read at run time (e.g. Dropout's ratio in inference).</summary>
    public void IgnoreInput(int index) => _loadTimeInputs.Add(index);

    /// <summary>Looks at a constant input without taking it away from the run-time inputs.</summary>
    public Tensor? PeekConstantInput(int index) => IsConstantInput(index) ? _compiler.GetConstant(Node.Inputs[index]) : null;

    public void RequireInputs(int min, int max)
    {
        var count = Node.Inputs.Count;
        while (count > 0 && Node.Inputs[count - 1].Length == 0)
        {
            count--;
        }

        if (count < min || Node.Inputs.Count > max)
        {
            throw Invalid($"it has {Node.Inputs.Count} inputs, expected {min} to {max}.");
        }

        for (var i = 0; i < min; i++)
        {
            if (!HasInput(i))
            {
                throw Invalid($"required input {i} is missing.");
            }
        }
    }

    public OnnxAttributeProto? Attribute(string name) => Node.Attributes.FirstOrDefault(a => a.Name == name);

    public long Int(string name, long defaultValue) =>
        Attribute(name) is { } a ? Check(a, OnnxAttributeType.Int).I : defaultValue;

    public float Float(string name, float defaultValue) =>
        Attribute(name) is { } a ? Check(a, OnnxAttributeType.Float).F : defaultValue;

    public string String(string name, string defaultValue) =>
        Attribute(name) is { } a ? Encoding.UTF8.GetString(Check(a, OnnxAttributeType.String).S) : defaultValue;

    public long[]? Ints(string name) => Attribute(name) is { } a ? [.. Check(a, OnnxAttributeType.Ints).Ints] : null;

    public float[]? Floats(string name) => Attribute(name) is { } a ? [.. Check(a, OnnxAttributeType.Floats).Floats] : null;

    public OnnxTensorProto? TensorAttribute(string name) =>
        Attribute(name) is { } a ? (Check(a, OnnxAttributeType.Tensor).T ?? throw Invalid($"attribute '{name}' has no tensor.")) : null;

    public Tensor ToTensor(OnnxTensorProto proto, string what) => _compiler.ToTensor(proto, $"{what} of {Description}");

    public NotSupportedException Unsupported(string what) => new($"{Description} in '{_compiler.Source}': {what}");

    public InvalidDataException Invalid(string what) => new($"'{_compiler.Source}' is not a valid ONNX model: {Description}: {what}");

    private OnnxAttributeProto Check(OnnxAttributeProto attribute, OnnxAttributeType expected)
    {
        if (attribute.Type != OnnxAttributeType.Undefined && attribute.Type != expected)
        {
            throw Invalid($"attribute '{attribute.Name}' has type {attribute.Type}, expected {expected}.");
        }

        return attribute;
    }
}
