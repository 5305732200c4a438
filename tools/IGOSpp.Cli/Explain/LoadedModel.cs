using System.Security.Cryptography;
using IGOSpp.Models;
using IGOSpp.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Cli.Explain;

/// <summary>A model file loaded for explanation: the module, its format, its SHA-256 and the input shape the file
/// declares (ONNX only).</summary>
internal sealed class LoadedModel : IDisposable
{
    private LoadedModel(nn.Module<Tensor, Tensor> module, string format, string sha256, IReadOnlyList<long?>? declaredInput,
        IReadOnlyDictionary<string, string>? observedModules = null)
    {
        ObservedModules = observedModules ?? new Dictionary<string, string>();
        Module = module;
        Format = format;
        Sha256 = sha256;
        DeclaredInput = declaredInput;
    }

    /// <summary>The model: images [N,C,H,W] → class scores [N,K].</summary>
    public nn.Module<Tensor, Tensor> Module { get; }

    /// <summary>"onnx" or "torchscript".</summary>
    public string Format { get; }

    /// <summary>The file's SHA-256, lower-case hex.</summary>
    public string Sha256 { get; }

    /// <summary>The declared input shape [N,C,H,W] (null entries are dynamic), or null when the format declares none.</summary>
    public IReadOnlyList<long?>? DeclaredInput { get; }

    /// <summary>ONNX graph value name → the name of the identity module it passes through (for Grad-CAM's layer).</summary>
    public IReadOnlyDictionary<string, string> ObservedModules { get; }

    /// <summary>Loads an ONNX file or a TorchScript archive (recognized by its zip signature).</summary>
    /// <param name="path">The model file.</param>
    /// <param name="observedValue">An ONNX graph value to observe (Grad-CAM's layer), or null.</param>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.Model"/>: the file is missing, unreadable, or not
    /// a model the loaders support.</exception>
    public static LoadedModel Load(string path, string? observedValue = null, string? outputName = null)
    {
        if (!File.Exists(path))
            throw new CliException(ExitCodes.Model, $"Model file '{path}' does not exist.");
        byte[] head = new byte[4];
        string sha;
        try
        {
            using var stream = File.OpenRead(path);
            var read = stream.Read(head, 0, head.Length);
            if (read == 0) throw new CliException(ExitCodes.Model, $"Model file '{path}' is empty.");
            stream.Position = 0;
            sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Model, $"Model file '{path}' cannot be read: {ex.Message}", ex);
        }

        var torchScript = head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        try
        {
            if (torchScript)
                return new LoadedModel(ModelLoader.LoadTorchScript(path), "torchscript", sha, null);
            var onnx = OnnxModel.Load(path, new OnnxImportOptions { ObservedValues = observedValue is null ? [] : [observedValue], OutputName = outputName });
            return new LoadedModel(onnx, "onnx", sha, onnx.InputShape, onnx.ObservedValueModules);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var kind = torchScript ? "a TorchScript archive (torch.jit.save)" : "an ONNX model";
            if (!torchScript && ex.Message.Contains(nameof(OnnxImportOptions.OutputName), StringComparison.Ordinal))
                throw new CliException(ExitCodes.Usage, $"Model file '{path}': {FirstLine(ex.Message)} (with igospp: --output NAME)", ex);
            throw new CliException(ExitCodes.Model,
                $"Model file '{path}' cannot be loaded as {kind}: {FirstLine(ex.Message)}", ex);
        }
    }

    /// <summary>Whether the file starts with a zip signature (a TorchScript archive); otherwise it is taken as ONNX.</summary>
    public static bool IsTorchScript(string path)
    {
        var head = new byte[4];
        using var stream = File.OpenRead(path);
        return stream.Read(head, 0, 4) == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    }

    /// <summary>Runs the model on one zero image of the given shape and returns the number of classes K.</summary>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.Mismatch"/>: the model rejects the input, or does
    /// not return class scores [1,K].</exception>
    public long Probe(int channels, int height, int width, string inputDescription)
    {
        if (DeclaredInput is { Count: 4 } declared)
        {
            long[] wanted = [channels, height, width];
            for (var d = 1; d < 4; d++)
            {
                if (declared[d] is { } size && size != wanted[d - 1])
                    throw new CliException(ExitCodes.Mismatch,
                        $"The preprocessing gives {inputDescription} images but the model declares input [{Describe(declared)}]; " +
                        "choose --preset none with --size HxW (and --channels) that fit, or a model for this input.");
            }
        }

        using var scope = torch.NewDisposeScope();
        Tensor output;
        try
        {
            using var inference = torch.inference_mode();
            Module.eval();
            output = Module.call(torch.zeros(1, channels, height, width));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new CliException(ExitCodes.Mismatch,
                $"The model rejects {inputDescription} images [1,{channels},{height},{width}]: {FirstLine(ex.Message)}. " +
                "Choose --preset, --size and --channels to fit the model's input.", ex);
        }

        if (output.dim() != 2 || output.shape[0] != 1 || output.shape[1] < 2)
            throw new CliException(ExitCodes.Mismatch,
                $"The model must return class scores [N,K] (K ≥ 2); for one image it returned [{string.Join(",", output.shape)}].");
        return output.shape[1];
    }

    public void Dispose() => Module.Dispose();

    private static string Describe(IReadOnlyList<long?> shape) =>
        string.Join(",", shape.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"));

    private static string FirstLine(string message) =>
        message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? message;
}
