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

    internal OnnxModule(OnnxProgram program, IReadOnlyList<(string Name, Tensor Value)> buffers)
        : base(string.IsNullOrEmpty(program.GraphName) ? "OnnxModule" : program.GraphName)
    {
        _program = program;
        foreach (var (name, value) in buffers)
        {
            register_buffer(name, value);
        }
    }

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

        var batch = input.dim() > 0 ? input.shape[0] : 1;
        foreach (var step in program.Steps)
        {
            var arguments = new Tensor?[step.Inputs.Length];
            for (var i = 0; i < arguments.Length; i++)
            {
                arguments[i] = step.Inputs[i] < 0 ? null : values[step.Inputs[i]];
            }

            values[step.Output] = step.Kernel(arguments, batch);
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

/// <summary>One compiled node: a kernel reading slots and writing one slot.</summary>
/// <param name="inputs">Input tensors in ONNX input order; null for missing optional inputs and for inputs consumed at load time.</param>
/// <param name="batch">Runtime batch size (first dimension of the graph input).</param>
internal delegate Tensor OnnxKernel(Tensor?[] inputs, long batch);

internal sealed record OnnxStep(string Description, int[] Inputs, int Output, OnnxKernel Kernel, int[] Release);

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
    (int Slot, string BufferName)[] BufferSlots);
