using Google.Protobuf;

namespace IGOSpp.Onnx;

/// <summary>
/// Imports ONNX models (<c>.onnx</c> files) as differentiable TorchSharp modules, so that gradient-based saliency
/// methods can back-propagate to the input of a model that was trained elsewhere (ONNX Runtime itself gives no input
/// gradients). See <c>docs/models.md</c> for the supported operators and their limits.
/// </summary>
public static class OnnxModel
{
    /// <summary>Lowest default-domain opset version the importer accepts.</summary>
    public const int MinOpsetVersion = 7;

    /// <summary>Highest default-domain opset version the importer accepts.</summary>
    public const int MaxOpsetVersion = 21;

    /// <summary>
    /// The operator types the importer supports (default ONNX domain), in ordinal order. See <c>docs/models.md</c> for
    /// the supported attributes and limits of each.
    /// </summary>
    public static IReadOnlyList<string> SupportedOperators => OnnxOperators.SupportedOperators;

    /// <summary>
    /// Loads an ONNX model from a file. All unsupported operators, attributes and data types are reported here, never
    /// when the module runs.
    /// </summary>
    /// <param name="path">Path of the <c>.onnx</c> file.</param>
    /// <param name="options">Import options; <c>null</c> uses the defaults of <see cref="OnnxImportOptions"/>.</param>
    /// <returns>
    /// A module on the CPU mapping a float32 tensor to the selected output. The caller owns the module and must dispose
    /// it; its constant tensors are buffers (no gradients) and it follows <c>.to(device)</c>.
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or an option names a value the graph does not have.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a well-formed ONNX model.</exception>
    /// <exception cref="NotSupportedException">The model uses an operator, attribute value, data type or opset the importer does not support.</exception>
    public static OnnxModule Load(string path, OnnxImportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ONNX model file '{path}' does not exist.", path);
        }

        return LoadBytes(File.ReadAllBytes(path), Path.GetFileName(path), options);
    }

    /// <summary>Loads an ONNX model from a stream, read from its current position to its end.</summary>
    /// <param name="stream">A readable stream holding a serialized ONNX ModelProto. It is not disposed.</param>
    /// <param name="options">Import options; <c>null</c> uses the defaults of <see cref="OnnxImportOptions"/>.</param>
    /// <param name="sourceName">A name for the model used in error messages (e.g. its file name). Default "stream".</param>
    /// <returns>The imported module; the caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="sourceName"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable, or an option names a value the graph does not have.</exception>
    /// <exception cref="InvalidDataException">The data is not a well-formed ONNX model.</exception>
    /// <exception cref="NotSupportedException">The model uses an operator, attribute value, data type or opset the importer does not support.</exception>
    public static OnnxModule Load(Stream stream, OnnxImportOptions? options = null, string sourceName = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream must be readable.", nameof(stream));
        }

        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return LoadBytes(buffer.ToArray(), sourceName, options);
    }

    private static OnnxModule LoadBytes(byte[] data, string sourceName, OnnxImportOptions? options)
    {
        options ??= new OnnxImportOptions();
        if (data.Length == 0)
        {
            throw new InvalidDataException($"ONNX model '{sourceName}' is empty.");
        }

        OnnxModelProto model;
        try
        {
            model = OnnxProtoReader.ReadModel(data);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"'{sourceName}' is not a valid ONNX model: {ex.Message}", ex);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"'{sourceName}' is not a valid ONNX model: {ex.Message}", ex);
        }

        return OnnxGraphCompiler.Compile(model, options, sourceName);
    }
}
