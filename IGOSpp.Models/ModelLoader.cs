using System.Buffers.Binary;
using System.Collections;
using System.IO.Compression;
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
    /// pickled state dict, which has weights but no code: use <see cref="LoadStateDict(nn.Module, string, bool)"/> for those).</exception>
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
    /// What a model file holds, from its content (not its extension): a TorchScript archive (a zip with a
    /// <c>code/</c> folder or <c>constants.pkl</c>, as <c>torch.jit.save</c> writes), a pickled state dict (a zip
    /// without them, as <c>torch.save</c> writes since PyTorch 1.6), a .safetensors file (an 8-byte header length and a
    /// JSON header), or none of these (for example an ONNX file).
    /// </summary>
    /// <param name="path">Path of the file.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ModelFileKind DetectKind(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file '{path}' not found.", path);

        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[9];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4)
        {
            stream.Position = 0;
            try
            {
                using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
                // Entries are <archive name>/code/..., <archive name>/constants.pkl, <archive name>/data.pkl, ...
                var torchScript = zip.Entries.Any(e =>
                    e.FullName.Contains("/code/", StringComparison.Ordinal) || e.FullName.EndsWith("/constants.pkl", StringComparison.Ordinal)
                    || e.FullName.StartsWith("code/", StringComparison.Ordinal) || e.FullName == "constants.pkl");
                return torchScript ? ModelFileKind.TorchScript : ModelFileKind.PickledStateDict;
            }
            catch (InvalidDataException)
            {
                return ModelFileKind.Unknown;
            }
        }

        if (read == 9 && head[8] == (byte)'{')
        {
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(head);
            if (headerLength >= 2 && headerLength <= (ulong)(stream.Length - 8)) return ModelFileKind.Safetensors;
        }

        return ModelFileKind.Unknown;
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
    /// (always); or, in strict mode, keys are missing or unexpected. The message names the offending keys (the first ten
    /// of each kind, and how many there are).</exception>
    public static StateDictLoadReport LoadStateDict(nn.Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        using var scope = NewDisposeScope();
        return LoadStateDict(module, ReadStateDict(path), path, strict);
    }

    /// <summary>How many keys of each kind an error message names before it says how many there are in all.</summary>
    internal const int KeysNamedInMessages = 10;

    /// <summary>The checks and the copy of <see cref="LoadStateDict(nn.Module, string, bool)"/> on tensors already read
    /// from <paramref name="path"/> (the caller owns them).</summary>
    internal static StateDictLoadReport LoadStateDict(nn.Module module, Dictionary<string, Tensor> source, string path, bool strict)
    {
        using var scope = NewDisposeScope();
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !source.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var mismatched = target.Keys.Where(source.ContainsKey)
            .Where(k => !source[k].shape.SequenceEqual(target[k].shape))
            .Order(StringComparer.Ordinal)
            .Select(k => $"{k}: file [{string.Join(",", source[k].shape)}], module [{string.Join(",", target[k].shape)}]")
            .ToList();

        var problems = new List<string>();
        if (mismatched.Count > 0) problems.Add($"shape mismatches: {Named(mismatched, "; ")}");
        if (strict && missing.Count > 0) problems.Add($"missing keys (in the module, not in the file): {Named(missing, ", ")}");
        if (strict && unexpected.Count > 0) problems.Add($"unexpected keys (in the file, not in the module): {Named(unexpected, ", ")}");
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

    private static string Named(List<string> keys, string separator) =>
        keys.Count <= KeysNamedInMessages
            ? string.Join(separator, keys)
            : $"{string.Join(separator, keys.Take(KeysNamedInMessages))}{separator}… ({keys.Count} in all)";

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
