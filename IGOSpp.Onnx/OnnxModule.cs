using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Onnx;

/// <summary>
/// An ONNX graph imported as a differentiable TorchSharp module (see <see cref="OnnxModel"/>). It maps one float
/// tensor (the selected graph input) to one tensor (the selected output). Constant tensors of the graph are registered
/// as buffers, so they never receive gradients and follow <c>.to(device)</c>; gradients flow to the input.
/// </summary>
/// <remarks>
/// Call the module with <c>module.call(x)</c> (forward hooks only fire through <c>call</c>). The module has no
/// training-mode behaviour: Dropout is the identity and BatchNormalization always uses its stored statistics.
/// </remarks>
public sealed class OnnxModule : nn.Module<Tensor, Tensor>
{
    private readonly OnnxProgram _program;
    private readonly OnnxValueTap?[] _taps;

    internal OnnxModule(OnnxProgram program, IReadOnlyList<(string Name, Tensor Value)> buffers)
        : base(string.IsNullOrEmpty(program.GraphName) ? "OnnxModule" : program.GraphName)
    {
        _program = program;
        foreach (var (name, value) in buffers)
        {
            register_buffer(name, value);
        }

        _taps = new OnnxValueTap?[program.SlotCount];
        var modules = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (slot, valueName, moduleName) in program.Observed)
        {
            var tap = new OnnxValueTap(moduleName);
            register_module(moduleName, tap);
            _taps[slot] = tap;
            modules[valueName] = moduleName;
        }

        ObservedValueModules = modules;
    }

    /// <summary>
    /// For each value of <see cref="OnnxImportOptions.ObservedValues"/>, the name of the child module (in
    /// <c>named_modules()</c>) that the value passes through: an identity whose forward hooks see the value, e.g. a
    /// Grad-CAM target layer (<c>GradCamOptions.TargetLayer</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string> ObservedValueModules { get; }

    /// <summary>Name of the graph input fed by <see cref="forward"/>.</summary>
    public string InputName => _program.InputName;

    /// <summary>Name of the graph value returned by <see cref="forward"/>.</summary>
    public string OutputName => _program.OutputName;

    /// <summary>
    /// Shape of the input as declared by the graph: a size per dimension, null where the size is symbolic or not given.
    /// Empty when the graph declares no shape.
    /// </summary>
    public IReadOnlyList<long?> InputShape => _program.InputShape;

    /// <summary>Version of the default ONNX operator set the model was exported with.</summary>
    public long OpsetVersion => _program.Opset;

    /// <summary>Number of graph nodes that run in <see cref="forward"/> (Constant nodes are folded at load).</summary>
    public int NodeCount => _program.Steps.Length;

    /// <summary>Runs the imported graph.</summary>
    /// <param name="input">
    /// A floating-point tensor on the module's device with the declared rank and the declared sizes in every
    /// dimension except the first (batch) one, e.g. <c>[N,3,224,224]</c> for a graph declaring <c>[1,3,224,224]</c>.
    /// With <see cref="OnnxImportOptions.DynamicBatch"/> off, the batch size must match the declared one too.
    /// The tensor is not disposed or modified.
    /// </param>
    /// <returns>The selected output. The caller owns the returned tensor and must dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="input"/> is not floating point, differs in dtype from the module's floating-point constants
    /// (float32 unless the module was converted), or has the wrong rank, shape or device.
    /// </exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ValidateInput(input);

        using var scope = torch.NewDisposeScope();
        var program = _program;
        var values = new Tensor?[program.SlotCount];
        values[program.InputSlot] = input;
        foreach (var (slot, bufferName) in program.BufferSlots)
        {
            values[slot] = _internal_buffers[bufferName].Item1;
        }

        var call = new OnnxCall(input.dim() > 0 ? input.shape[0] : 1, input.dtype, input.device);
        foreach (var step in program.Steps)
        {
            var arguments = new Tensor?[step.Inputs.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                arguments[i] = step.Inputs[i] < 0 ? null : values[step.Inputs[i]];
            }

            Tensor[] results;
            try
            {
                results = step.Kernel(arguments, call);
            }
            catch (Exception e) when (e is not InvalidOperationException)
            {
                // libtorch's own errors (a shape the graph cannot take, say) name the node that failed.
                throw new InvalidOperationException($"{step.Description}: {e.Message}", e);
            }

            for (var o = 0; o < step.Outputs.Length; o++)
            {
                if (step.Outputs[o] is var slot and >= 0)
                {
                    values[slot] = _taps[slot] is { } tap ? tap.call(results[o]) : results[o];
                }
            }

            foreach (var slot in step.Release)
            {
                values[slot]!.Dispose();
                values[slot] = null;
            }
        }

        var result = values[program.OutputSlot]!;
        if (program.OutputIsExternal)
        {
            // The output is the input or a constant: hand out a new handle, never the caller's or the module's own.
            result = result.alias();
        }

        return result.MoveToOuterDisposeScope();
    }

    private void ValidateInput(Tensor input)
    {
        if (!input.is_floating_point())
        {
            throw new ArgumentException(
                $"The input of ONNX model input '{InputName}' must be a floating-point tensor, got {input.dtype}.", nameof(input));
        }

        var declared = _program.InputShape;
        if (declared.Count > 0)
        {
            var shape = input.shape;
            var ok = shape.Length == declared.Count;
            for (var i = 0; ok && i < shape.Length; i++)
            {
                var batchFree = i == 0 && _program.DynamicBatch;
                ok = batchFree || declared[i] is not { } size || size == shape[i];
            }

            if (!ok)
            {
                var expected = string.Join(",", declared.Select((d, i) => i == 0 && _program.DynamicBatch ? "N" : d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"));
                throw new ArgumentException(
                    $"ONNX model input '{InputName}' expects shape [{expected}], got [{string.Join(",", shape)}].", nameof(input));
            }
        }

        var deviceChecked = false;
        foreach (var (_, bufferName) in _program.BufferSlots)
        {
            var buffer = _internal_buffers[bufferName].Item1;
            if (!deviceChecked && (buffer.device_type != input.device_type || buffer.device_index != input.device_index))
            {
                throw new ArgumentException(
                    $"The input is on {input.device} but the module is on {buffer.device}; move one of them with .to(device).", nameof(input));
            }

            deviceChecked = true;
            if (buffer.is_floating_point())
            {
                if (buffer.dtype != input.dtype)
                {
                    throw new ArgumentException(
                        $"The input has dtype {input.dtype} but the module's constants are {buffer.dtype}; convert one of them (e.g. module.to(ScalarType.{input.dtype})).", nameof(input));
                }

                break;
            }
        }
    }
}

/// <summary>What a kernel knows about the current call.</summary>
/// <param name="Batch">Runtime batch size (first dimension of the graph input).</param>
/// <param name="FloatType">The input's floating-point type: what a Cast to a floating type, ConstantOfShape or Range of floats produce.</param>
/// <param name="Device">The input's device, where new tensors (ConstantOfShape, Range, Shape) are created.</param>
internal readonly record struct OnnxCall(long Batch, ScalarType FloatType, Device Device);

/// <summary>One compiled single-output node: reads its inputs and returns a new tensor.</summary>
/// <param name="inputs">Input tensors in ONNX input order; null for missing optional inputs and for inputs consumed at load time.</param>
/// <param name="call">The call's batch size and floating-point type.</param>
internal delegate Tensor OnnxKernel(Tensor?[] inputs, OnnxCall call);

/// <summary>One compiled node with several outputs (Split): one new tensor per declared output.</summary>
internal delegate Tensor[] OnnxMultiKernel(Tensor?[] inputs, OnnxCall call);

/// <summary>A step of the program; <paramref name="Outputs"/> holds a slot per node output, -1 where the output is unused.</summary>
internal sealed record OnnxStep(string Description, int[] Inputs, int[] Outputs, OnnxMultiKernel Kernel, int[] Release);

internal sealed record OnnxProgram(
    string GraphName,
    string InputName,
    string OutputName,
    IReadOnlyList<long?> InputShape,
    long Opset,
    bool DynamicBatch,
    OnnxStep[] Steps,
    int SlotCount,
    int InputSlot,
    int OutputSlot,
    bool OutputIsExternal,
    (int Slot, string BufferName)[] BufferSlots,
    (int Slot, string ValueName, string ModuleName)[] Observed);

/// <summary>An identity child module through which an observed value passes, so that forward hooks see it.</summary>
internal sealed class OnnxValueTap(string name) : nn.Module<Tensor, Tensor>(name)
{
    public override Tensor forward(Tensor input) => input.alias();
}
