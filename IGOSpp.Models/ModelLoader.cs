using System.Collections;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace IGOSpp.Models;

/// <summary>
/// Brings models trained outside TorchSharp to IGOSpp: TorchScript archives (<c>torch.jit.save</c>) and weights saved
/// by PyTorch as a state dict (<c>torch.save(model.state_dict(), "x.pt")</c>, .pt/.pth/.bin) or as a .safetensors file,
/// loaded into a TorchSharp module with the same architecture and parameter names.
/// </summary>
public static class ModelLoader
{
    /// <summary>
    /// Loads a TorchScript module (the zip archive written by PyTorch's <c>torch.jit.save</c> or TorchSharp's
    /// <c>torch.jit.save</c>) whose <c>forward</c> takes one tensor and returns one tensor. The module is switched
    /// to eval mode. The caller owns the returned module and must dispose it.
    /// </summary>
    /// <param name="path">Path of the .pt/.ts file.</param>
    /// <param name="device">Device to load the module onto; default CPU.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a TorchScript archive libtorch can load (for example a
    /// pickled state dict, which has weights but no code: use <see cref="LoadStateDict"/> for those).</exception>
    public static TorchScriptModule LoadTorchScript(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"TorchScript file '{path}' not found.", path);
        device ??= CPU;

        jit.ScriptModule<Tensor, Tensor> script;
        try
        {
            script = jit.load<Tensor, Tensor>(path, device.type, device.index);
        }
        catch (ExternalException e)
        {
            throw new InvalidDataException(
                $"'{path}' is not a TorchScript archive that libtorch can load ({TorchScriptModule.FirstLine(e.Message)}). " +
                "A file written by torch.save(model.state_dict()) holds weights only: build the architecture in TorchSharp and use ModelLoader.LoadStateDict.", e);
        }

        var module = new TorchScriptModule(script, path);
        module.eval();
        return module;
    }

    /// <summary>
    /// Reads every tensor of a state dict file: a PyTorch pickle (.pt, .pth, .bin; the zip format <c>torch.save</c> has
    /// written since PyTorch 1.6) or a .safetensors file. The file type is taken from the content, not the extension.
    /// The caller owns the returned tensors and must dispose them.
    /// </summary>
    /// <param name="path">Path of the file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is neither a readable PyTorch state dict nor a valid .safetensors file.</exception>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"State dict file '{path}' not found.", path);

        using var stream = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        var read = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        if (read == 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K' && magic[2] == 3 && magic[3] == 4)
            return ReadPickledStateDict(stream, path);
        return SafetensorsReader.Read(stream, path);
    }

    /// <summary>
    /// Copies the tensors of a state dict file (see <see cref="ReadStateDict"/>) into the parameters and buffers of
    /// <paramref name="module"/>, matched by name (TorchSharp modules built like their PyTorch originals, e.g.
    /// TorchVision's, use the same names: "conv1.weight", "layer1.0.bn1.running_mean", …). Values are converted to
    /// each target's dtype and device. Nothing is copied unless every check passes.
    /// </summary>
    /// <param name="module">The module to fill; its <c>requires_grad</c> flags and training mode are not changed.</param>
    /// <param name="path">Path of the .pt/.pth/.bin or .safetensors file.</param>
    /// <param name="strict">True (default): every key of the module must be in the file and vice versa. False: missing
    /// and unexpected keys are allowed and listed in the report.</param>
    /// <returns>Which keys were loaded, missing and unexpected.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file cannot be read; or a tensor's shape differs from the module's
    /// (always); or, in strict mode, keys are missing or unexpected. The message lists every offending key.</exception>
    public static StateDictLoadReport LoadStateDict(nn.Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        using var scope = NewDisposeScope();
        var source = ReadStateDict(path);
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !source.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var mismatched = target.Keys.Where(source.ContainsKey)
            .Where(k => !source[k].shape.SequenceEqual(target[k].shape))
            .Order(StringComparer.Ordinal)
            .Select(k => $"{k}: file [{string.Join(",", source[k].shape)}], module [{string.Join(",", target[k].shape)}]")
            .ToList();

        var problems = new List<string>();
        if (mismatched.Count > 0) problems.Add($"shape mismatches: {string.Join("; ", mismatched)}");
        if (strict && missing.Count > 0) problems.Add($"missing keys (in the module, not in the file): {string.Join(", ", missing)}");
        if (strict && unexpected.Count > 0) problems.Add($"unexpected keys (in the file, not in the module): {string.Join(", ", unexpected)}");
        if (problems.Count > 0)
            throw new InvalidDataException($"The state dict '{path}' does not fit the module {module.GetName()}: {string.Join(" | ", problems)}.");

        var loaded = target.Keys.Where(source.ContainsKey).Order(StringComparer.Ordinal).ToList();
        using (no_grad())
        {
            foreach (var key in loaded)
            {
                var destination = target[key];
                destination.copy_(source[key].to(destination.dtype, destination.device));
            }
        }

        return new StateDictLoadReport(loaded, strict ? [] : missing, strict ? [] : unexpected);
    }

    private static Dictionary<string, Tensor> ReadPickledStateDict(Stream stream, string path)
    {
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{path}' is not a PyTorch state dict that can be read ({e.Message}).", e);
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor tensor)
                throw new InvalidDataException($"'{path}' holds a pickled object that is not a dictionary of named tensors (entry '{entry.Key}' is {entry.Value?.GetType().Name ?? "null"}).");
            result.Add(key, tensor);
        }

        return result;
    }
}
