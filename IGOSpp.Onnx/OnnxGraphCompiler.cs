using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Onnx;

/// <summary>Turns a decoded ONNX graph into an <see cref="OnnxModule"/>: checks everything that can be checked at load time.</summary>
internal sealed class OnnxGraphCompiler
{
    private const int MinKernelArguments = 5;

    private readonly OnnxModelProto _model;
    private readonly OnnxGraphProto _graph;
    private readonly OnnxImportOptions _options;
    private readonly string _source;
    private readonly Dictionary<string, OnnxTensorProto> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Node, int Output)> _producers = new(StringComparer.Ordinal);

    private OnnxGraphCompiler(OnnxModelProto model, OnnxGraphProto graph, OnnxImportOptions options, string source)
    {
        _model = model;
        _graph = graph;
        _options = options;
        _source = source;
    }

    internal string Source => _source;

    internal long Opset { get; private set; }

    internal long? DeclaredBatch { get; private set; }

    internal bool DynamicBatch => _options.DynamicBatch;

    public static OnnxModule Compile(OnnxModelProto model, OnnxImportOptions options, string source)
    {
        var graph = model.Graph ?? throw new InvalidDataException($"'{source}' is not a valid ONNX model: it has no graph.");
        using var scope = torch.NewDisposeScope();
        var compiler = new OnnxGraphCompiler(model, graph, options, source);
        return compiler.Build();
    }

    private OnnxModule Build()
    {
        Opset = ReadOpset();
        if (_graph.SparseInitializerCount > 0)
        {
            throw new NotSupportedException($"'{_source}': sparse initializers are not supported.");
        }

        foreach (var initializer in _graph.Initializers)
        {
            if (string.IsNullOrEmpty(initializer.Name) || !_initializers.TryAdd(initializer.Name, initializer))
            {
                throw new InvalidDataException($"'{_source}' is not a valid ONNX model: initializer name '{initializer.Name}' is empty or repeated.");
            }
        }

        for (var n = 0; n < _graph.Nodes.Count; n++)
        {
            var node = _graph.Nodes[n];
            for (var o = 0; o < node.Outputs.Count; o++)
            {
                var name = node.Outputs[o];
                if (name.Length > 0 && (!_producers.TryAdd(name, (n, o)) || _initializers.ContainsKey(name)))
                {
                    throw new InvalidDataException($"'{_source}' is not a valid ONNX model: value '{name}' is produced more than once.");
                }
            }
        }

        var input = SelectInput(_options);
        long?[] inputShape = input.Shape is null ? [] : [.. input.Shape];
        DeclaredBatch = inputShape.Length > 0 ? inputShape[0] : null;
        var outputName = SelectOutput(_options, input.Name);
        var needed = FindNeededNodes(outputName, input.Name);

        // Compile the needed nodes in graph order.
        var steps = new List<(string Description, string[] Inputs, string[] Outputs, OnnxMultiKernel Kernel)>();
        foreach (var n in needed)
        {
            var node = _graph.Nodes[n];
            var context = new OnnxNodeContext(this, node);
            if (node.Domain is not ("" or "ai.onnx"))
            {
                throw new NotSupportedException($"{context.Description} in '{_source}': operator domain '{node.Domain}' is not supported (only the default ONNX domain is).");
            }

            if (node.Outputs.Count == 0 || node.Outputs[0].Length == 0)
            {
                throw new InvalidDataException($"'{_source}' is not a valid ONNX model: {context.Description} has no output.");
            }

            if (node.OpType == "Constant")
            {
                _constants[node.Outputs[0]] = OnnxOperators.ConstantValue(context);
                continue;
            }

            var kernel = OnnxOperators.Build(context);
            // Kernels index optional inputs freely: the array always has room for the longest operator signature.
            var inputs = new string[Math.Max(node.Inputs.Count, MinKernelArguments)];
            for (var i = 0; i < inputs.Length; i++)
            {
                inputs[i] = context.IsRuntimeInput(i) ? node.Inputs[i] : "";
            }

            // Only multi-output operators produce their later outputs (using another one is rejected above).
            string[] outputs = OnnxOperators.HasSeveralOutputs(node.OpType) ? [.. node.Outputs] : [node.Outputs[0]];
            steps.Add((context.Description, inputs, outputs, kernel));
        }

        return Assemble(input, inputShape, outputName, steps);
    }

    private OnnxModule Assemble(
        OnnxValueInfoProto input,
        IReadOnlyList<long?> inputShape,
        string outputName,
        List<(string Description, string[] Inputs, string[] Outputs, OnnxMultiKernel Kernel)> steps)
    {
        var slots = new Dictionary<string, int>(StringComparer.Ordinal) { [input.Name] = 0 };
        var buffers = new List<(string Name, Tensor Value)>();
        var bufferSlots = new List<(int Slot, string BufferName)>();
        var bufferNames = new HashSet<string>(StringComparer.Ordinal);

        int SlotOf(string name)
        {
            if (slots.TryGetValue(name, out var slot))
            {
                return slot;
            }

            // Not yet produced: the value is a constant used at run time, so it becomes a buffer.
            slot = slots.Count;
            slots[name] = slot;
            var bufferName = UniqueName(name, bufferNames);
            buffers.Add((bufferName, GetConstant(name).DetachFromDisposeScope()));
            bufferSlots.Add((slot, bufferName));
            return slot;
        }

        var compiled = new List<(string Description, int[] Inputs, int[] Outputs, OnnxMultiKernel Kernel)>();
        foreach (var (description, inputs, outputs, kernel) in steps)
        {
            var inputSlots = inputs.Select(name => name.Length == 0 ? -1 : SlotOf(name)).ToArray();
            var outputSlots = new int[outputs.Length];
            for (var o = 0; o < outputs.Length; o++)
            {
                outputSlots[o] = outputs[o].Length == 0 ? -1 : slots.Count;
                if (outputSlots[o] >= 0)
                {
                    slots[outputs[o]] = outputSlots[o];
                }
            }

            compiled.Add((description, inputSlots, outputSlots, kernel));
        }

        var outputSlotIndex = SlotOf(outputName);
        var outputIsExternal = outputSlotIndex == 0 || bufferSlots.Any(b => b.Slot == outputSlotIndex);
        var observed = ObservedSlots(slots, bufferSlots);

        // Release each intermediate value after its last reader (or at once when nothing reads it).
        var external = new HashSet<int>(bufferSlots.Select(b => b.Slot)) { 0, outputSlotIndex };
        var lastUse = new Dictionary<int, int>();
        for (var s = 0; s < compiled.Count; s++)
        {
            foreach (var slot in compiled[s].Outputs.Where(o => o >= 0).Concat(compiled[s].Inputs.Where(i => i >= 0)))
            {
                lastUse[slot] = s;
            }
        }

        var finalSteps = compiled.Select((c, s) => new OnnxStep(
            c.Description,
            c.Inputs,
            c.Outputs,
            c.Kernel,
            lastUse.Where(kv => kv.Value == s && !external.Contains(kv.Key)).Select(kv => kv.Key).ToArray())).ToArray();

        var program = new OnnxProgram(
            _graph.Name, input.Name, outputName, inputShape, Opset, _options.DynamicBatch, finalSteps,
            slots.Count, 0, outputSlotIndex, outputIsExternal, [.. bufferSlots], observed);
        return new OnnxModule(program, buffers);
    }

    /// <summary>Resolves <see cref="OnnxImportOptions.ObservedValues"/> to the slots of values computed by imported nodes.</summary>
    private (int Slot, string ValueName, string ModuleName)[] ObservedSlots(
        Dictionary<string, int> slots, List<(int Slot, string BufferName)> bufferSlots)
    {
        var moduleNames = new HashSet<string>(StringComparer.Ordinal);
        var observed = new List<(int Slot, string ValueName, string ModuleName)>();
        foreach (var name in _options.ObservedValues.Distinct(StringComparer.Ordinal))
        {
            if (!slots.TryGetValue(name, out var slot) || slot == 0 || bufferSlots.Any(b => b.Slot == slot))
            {
                throw new ArgumentException(
                    $"'{_source}': observed value '{name}' is not the output of a node that the selected output depends on.",
                    nameof(OnnxImportOptions.ObservedValues));
            }

            observed.Add((slot, name, UniqueName(name, moduleNames)));
        }

        return [.. observed];
    }

    private static string UniqueName(string onnxName, HashSet<string> used)
    {
        var builder = new StringBuilder(onnxName.Length);
        foreach (var c in onnxName)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        }

        var baseName = builder.Length == 0 ? "value" : builder.ToString();
        var name = baseName;
        for (var k = 1; !used.Add(name); k++)
        {
            name = string.Create(CultureInfo.InvariantCulture, $"{baseName}_{k}");
        }

        return name;
    }

    private long ReadOpset()
    {
        long? opset = null;
        foreach (var (domain, version) in _model.OpsetImports)
        {
            if (domain is "" or "ai.onnx")
            {
                opset = version;
            }
        }

        if (opset is null)
        {
            // IR version 1-2 models have no opset_import; they use opset 1, which is too old anyway.
            throw new NotSupportedException($"'{_source}' declares no default-domain opset; opsets {OnnxModel.MinOpsetVersion}-{OnnxModel.MaxOpsetVersion} are supported.");
        }

        if (opset < OnnxModel.MinOpsetVersion || opset > OnnxModel.MaxOpsetVersion)
        {
            throw new NotSupportedException($"'{_source}' uses opset {opset}; opsets {OnnxModel.MinOpsetVersion}-{OnnxModel.MaxOpsetVersion} are supported.");
        }

        return opset.Value;
    }

    private OnnxValueInfoProto SelectInput(OnnxImportOptions options)
    {
        var candidates = _graph.Inputs.Where(i => !_initializers.ContainsKey(i.Name)).ToList();
        OnnxValueInfoProto input;
        if (options.InputName is { } wanted)
        {
            input = candidates.FirstOrDefault(i => i.Name == wanted)
                ?? throw new ArgumentException(
                    $"'{_source}' has no graph input named '{wanted}'. Inputs: {Describe(candidates.Select(c => c.Name))}.", nameof(options));
        }
        else if (candidates.Count == 1)
        {
            input = candidates[0];
        }
        else
        {
            throw new NotSupportedException(
                $"'{_source}' has {candidates.Count} graph inputs ({Describe(candidates.Select(c => c.Name))}); OnnxModule feeds exactly one. Set {nameof(OnnxImportOptions)}.{nameof(OnnxImportOptions.InputName)} when one input can feed the others.");
        }

        if (!input.IsTensor || input.ElemType is not (OnnxDataType.Float or OnnxDataType.Undefined))
        {
            throw new NotSupportedException($"'{_source}': graph input '{input.Name}' has type {input.ElemType}; only float tensors are supported as input.");
        }

        return input;
    }

    private string SelectOutput(OnnxImportOptions options, string inputName)
    {
        string name;
        if (options.OutputName is { } wanted)
        {
            name = wanted;
            if (!_producers.ContainsKey(name) && name != inputName && !_initializers.ContainsKey(name))
            {
                throw new ArgumentException(
                    $"'{_source}' has no value named '{wanted}'. Graph outputs: {Describe(_graph.Outputs.Select(o => o.Name))}.", nameof(options));
            }
        }
        else if (_graph.Outputs.Count == 1)
        {
            name = _graph.Outputs[0].Name;
        }
        else
        {
            throw new NotSupportedException(
                $"'{_source}' has {_graph.Outputs.Count} graph outputs ({Describe(_graph.Outputs.Select(o => o.Name))}); set {nameof(OnnxImportOptions)}.{nameof(OnnxImportOptions.OutputName)} to choose one.");
        }

        return name;
    }

    private SortedSet<int> FindNeededNodes(string outputName, string inputName)
    {
        var needed = new SortedSet<int>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<(string Name, int Consumer)>();
        pending.Push((outputName, int.MaxValue));
        while (pending.Count > 0)
        {
            var (name, consumer) = pending.Pop();
            if (name == inputName)
            {
                continue;
            }

            if (!_producers.TryGetValue(name, out var producer))
            {
                if (_initializers.ContainsKey(name))
                {
                    continue;
                }

                if (_graph.Inputs.Any(i => i.Name == name))
                {
                    throw new NotSupportedException(
                        $"'{_source}': the selected output needs graph input '{name}', but OnnxModule feeds only input '{inputName}'. Choose another {nameof(OnnxImportOptions.InputName)} or {nameof(OnnxImportOptions.OutputName)}.");
                }

                var consumerText = consumer == int.MaxValue ? "the output" : new OnnxNodeContext(this, _graph.Nodes[consumer]).Description;
                throw new InvalidDataException($"'{_source}' is not a valid ONNX model: value '{name}' read by {consumerText} is not produced by any node, input or initializer.");
            }

            if (producer.Node >= consumer)
            {
                throw new InvalidDataException(
                    $"'{_source}' is not a valid ONNX model: value '{name}' is read by {new OnnxNodeContext(this, _graph.Nodes[consumer]).Description} before it is produced; the nodes are not topologically sorted or form a cycle.");
            }

            var node = _graph.Nodes[producer.Node];
            if (producer.Output > 0 && !OnnxOperators.HasSeveralOutputs(node.OpType))
            {
                throw new NotSupportedException(
                    $"{new OnnxNodeContext(this, node).Description} in '{_source}': only its first output is supported, but output {producer.Output} ('{name}') is used.");
            }

            if (!seen.Add(name))
            {
                continue;
            }

            needed.Add(producer.Node);
            foreach (var nodeInput in node.Inputs.Where(i => i.Length > 0))
            {
                pending.Push((nodeInput, producer.Node));
            }
        }

        return needed;
    }

    internal bool IsConstant(string name) => _constants.ContainsKey(name) || _initializers.ContainsKey(name);

    /// <summary>Returns the CPU tensor of a constant value (initializer or Constant node output), converting it on first use.</summary>
    internal Tensor GetConstant(string name)
    {
        if (_constants.TryGetValue(name, out var value))
        {
            return value;
        }

        value = ToTensor(_initializers[name], $"initializer '{name}'");
        _constants[name] = value;
        return value;
    }

    /// <summary>Converts a TensorProto to a CPU tensor. Supports float, double, int32, int64 and bool data.</summary>
    internal Tensor ToTensor(OnnxTensorProto proto, string what)
    {
        if (proto.IsExternal)
        {
            throw new NotSupportedException($"'{_source}': {what} stores its data in an external file, which is not supported.");
        }

        if (proto.HasSegment)
        {
            throw new NotSupportedException($"'{_source}': {what} is a segmented tensor, which is not supported.");
        }

        var dims = proto.Dims.ToArray();
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0)
            {
                throw new InvalidDataException($"'{_source}' is not a valid ONNX model: {what} has a negative dimension {d}.");
            }

            try
            {
                count = checked(count * d);
            }
            catch (OverflowException)
            {
                throw new InvalidDataException($"'{_source}' is not a valid ONNX model: {what} has too many elements.");
            }
        }

        if (count > Array.MaxLength)
        {
            throw new InvalidDataException($"'{_source}' is not a valid ONNX model: {what} has too many elements ({count}).");
        }

        var n = (int)count;
        if (!BitConverter.IsLittleEndian)
        {
            throw new NotSupportedException("ONNX import requires a little-endian machine.");
        }

        ReadOnlySpan<byte> raw = proto.RawData is { Length: > 0 } bytes ? bytes.Span : default;
        var hasRaw = proto.RawData is not null && (proto.RawData.Length > 0 || n == 0);
        switch (proto.DataType)
        {
            case OnnxDataType.Float:
                return torch.tensor(Read(raw, hasRaw, proto.FloatData, n, 4, what), dims);
            case OnnxDataType.Double:
                return torch.tensor(Read(raw, hasRaw, proto.DoubleData, n, 8, what), dims);
            case OnnxDataType.Int64:
                return torch.tensor(Read(raw, hasRaw, proto.Int64Data, n, 8, what), dims);
            case OnnxDataType.Int32:
                return torch.tensor(Read(raw, hasRaw, proto.Int32Data, n, 4, what), dims);
            case OnnxDataType.Bool:
                // Raw data holds one byte per element; int32_data one int per element.
                return hasRaw
                    ? torch.tensor(Read<byte>(raw, hasRaw, [], n, 1, what).Select(b => b != 0).ToArray(), dims)
                    : torch.tensor(Read<int>(raw, hasRaw, proto.Int32Data, n, 4, what).Select(v => v != 0).ToArray(), dims);
            default:
                throw new NotSupportedException(
                    $"'{_source}': {what} has data type {proto.DataType}; only Float, Double, Int32, Int64 and Bool tensors are supported.");
        }
    }

    private T[] Read<T>(ReadOnlySpan<byte> raw, bool hasRaw, IReadOnlyList<T> typed, int count, int size, string what)
        where T : struct
    {
        if (hasRaw)
        {
            if (raw.Length != (long)count * size)
            {
                throw new InvalidDataException(
                    $"'{_source}' is not a valid ONNX model: {what} has {raw.Length} bytes of raw data, expected {(long)count * size}.");
            }

            return MemoryMarshal.Cast<byte, T>(raw).ToArray();
        }

        if (typed.Count != count)
        {
            throw new InvalidDataException(
                $"'{_source}' is not a valid ONNX model: {what} has {typed.Count} values, expected {count}.");
        }

        return [.. typed];
    }

    private static string Describe(IEnumerable<string> names)
    {
        var list = names.Select(n => $"'{n}'").ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list);
    }
}
