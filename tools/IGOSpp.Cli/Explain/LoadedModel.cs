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

    /// <summary>Test seam: the base width of the --arch networks (unset: TorchVision's 64). The tests set it to load the
    /// narrow TorchVision networks of IGOSpp.Models.Tests/Fixtures/architectures; it flows with the async context, so
    /// tests running in parallel do not see each other's value.</summary>
    internal static readonly AsyncLocal<int?> ArchitectureWidth = new();

    /// <summary>The model: images [N,C,H,W] → class scores [N,K].</summary>
    public nn.Module<Tensor, Tensor> Module { get; }

    /// <summary>"onnx", "torchscript", or "state dict (NAME)" for a state dict loaded into architecture NAME.</summary>
    public string Format { get; }

    /// <summary>The file's SHA-256, lower-case hex.</summary>
    public string Sha256 { get; }

    /// <summary>The declared input shape [N,C,H,W] (null entries are dynamic), or null when the format declares none.</summary>
    public IReadOnlyList<long?>? DeclaredInput { get; }

    /// <summary>ONNX graph value name → the name of the identity module it passes through (for Grad-CAM's layer).</summary>
    public IReadOnlyDictionary<string, string> ObservedModules { get; }

    /// <summary>
    /// Loads an ONNX file, a TorchScript archive, or a state dict (a pickled <c>torch.save</c> zip or a .safetensors
    /// file) into a known architecture. The kind is taken from the content (<see cref="ModelLoader.DetectKind"/>): a zip
    /// with TorchScript code is TorchScript, a zip without it or a safetensors header is a state dict, anything else is
    /// read as ONNX.
    /// </summary>
    /// <param name="path">The model file.</param>
    /// <param name="observedValue">An ONNX graph value to observe (Grad-CAM's layer), or null.</param>
    /// <param name="outputName">The ONNX graph value holding the class scores, or null.</param>
    /// <param name="architecture">For a state dict: a name of <see cref="KnownArchitectures.Names"/> (--arch).</param>
    /// <param name="classes">For a state dict: the number of classes (--classes); null reads it from the file.</param>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.Model"/>: the file is missing, unreadable, not a
    /// model the loaders support, a state dict without --arch or with an unknown one, or a state dict whose keys or
    /// shapes do not fit the architecture. <see cref="ExitCodes.Usage"/>: --arch or --classes with a file that is not
    /// a state dict.</exception>
    public static LoadedModel Load(string path, string? observedValue = null, string? outputName = null, string? architecture = null, int? classes = null)
    {
        if (!File.Exists(path))
            throw new CliException(ExitCodes.Model, $"Model file '{path}' does not exist.");
        string sha;
        ModelFileKind kind;
        try
        {
            using (var stream = File.OpenRead(path))
            {
                if (stream.Length == 0) throw new CliException(ExitCodes.Model, $"Model file '{path}' is empty.");
                sha = Convert.ToHexStringLower(SHA256.HashData(stream));
            }

            kind = ModelLoader.DetectKind(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Model, $"Model file '{path}' cannot be read: {ex.Message}", ex);
        }

        var stateDict = kind is ModelFileKind.PickledStateDict or ModelFileKind.Safetensors;
        if (!stateDict && architecture is not null)
        {
            var what = kind == ModelFileKind.TorchScript ? "a TorchScript archive, which carries its architecture" : "not a state dict (it is read as ONNX)";
            throw new CliException(ExitCodes.Usage, $"--arch applies to state dict files (torch.save(model.state_dict()) or .safetensors); '{path}' is {what}.");
        }

        if (!stateDict && classes is not null)
            throw new CliException(ExitCodes.Usage, "--classes applies to state dict files loaded with --arch.");
        if (stateDict) return LoadStateDict(path, kind, sha, architecture, classes);

        var torchScript = kind == ModelFileKind.TorchScript;
        try
        {
            if (torchScript)
                return new LoadedModel(ModelLoader.LoadTorchScript(path), "torchscript", sha, null);
            var onnx = OnnxModel.Load(path, new OnnxImportOptions { ObservedValues = observedValue is null ? [] : [observedValue], OutputName = outputName });
            return new LoadedModel(onnx, "onnx", sha, onnx.InputShape, onnx.ObservedValueModules);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var kindText = torchScript ? "a TorchScript archive (torch.jit.save)" : "an ONNX model";
            if (!torchScript && ex.Message.Contains(nameof(OnnxImportOptions.OutputName), StringComparison.Ordinal))
                throw new CliException(ExitCodes.Usage, $"Model file '{path}': {FirstLine(ex.Message)} (with igospp: --output NAME)", ex);
            throw new CliException(ExitCodes.Model,
                $"Model file '{path}' cannot be loaded as {kindText}: {FirstLine(ex.Message)}", ex);
        }
    }

    private static LoadedModel LoadStateDict(string path, ModelFileKind kind, string sha, string? architecture, int? classes)
    {
        var fileKind = kind == ModelFileKind.Safetensors ? "a .safetensors state dict" : "a PyTorch state dict (torch.save)";
        if (architecture is null)
            throw new CliException(ExitCodes.Model,
                $"Model file '{path}' is {fileKind}: weights without the network. Give its architecture with --arch NAME " +
                $"(one of {string.Join(", ", KnownArchitectures.Names)}), or export the model as TorchScript or ONNX.");
        if (!KnownArchitectures.Names.Contains(architecture, StringComparer.OrdinalIgnoreCase))
            throw new CliException(ExitCodes.Model,
                $"--arch '{architecture}' is not a known architecture; known: {string.Join(", ", KnownArchitectures.Names)}.");
        try
        {
            var module = ArchitectureWidth.Value is { } width
                ? KnownArchitectures.Load(architecture, path, classes, width)
                : KnownArchitectures.Load(architecture, path, classes);
            return new LoadedModel(module, $"state dict ({architecture.ToLowerInvariant()})", sha, null);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentException or IOException)
        {
            throw new CliException(ExitCodes.Model, $"Model file '{path}' cannot be loaded into --arch {architecture}: {ex.Message}", ex);
        }
    }

    /// <summary>What the model file holds (<see cref="ModelLoader.DetectKind"/>).</summary>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.Model"/>: the file cannot be read.</exception>
    public static ModelFileKind Kind(string path)
    {
        try
        {
            return ModelLoader.DetectKind(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Model, $"Model file '{path}' cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Runs the model on one zero image of the given shape and returns the number of classes K.</summary>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.Mismatch"/>: the model rejects the input, or does
    /// not return class scores [1,K].</exception>
    public long Probe(int channels, int height, int width, string inputDescription)
    {
        var shape = ProbeShape(channels, height, width, inputDescription);
        if (shape.Length != 2 || shape[0] != 1 || shape[1] < 2)
            throw new CliException(ExitCodes.Mismatch,
                $"The model must return class scores [N,K] (K ≥ 2); for one image it returned [{string.Join(",", shape)}].");
        return shape[1];
    }

    /// <summary>Runs the model on one zero image of the given shape and returns the shape of its output.</summary>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.Mismatch"/>: the model rejects the input.</exception>
    public long[] ProbeShape(int channels, int height, int width, string inputDescription)
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

        return output.shape;
    }

    public void Dispose() => Module.Dispose();

    private static string Describe(IReadOnlyList<long?> shape) =>
        string.Join(",", shape.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"));

    private static string FirstLine(string message) =>
        message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? message;
}
