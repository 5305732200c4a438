namespace IGOSpp.Onnx;

/// <summary>
/// Options for <see cref="OnnxModel.Load(string, OnnxImportOptions?)"/>. Every property has a documented default, so
/// <c>new OnnxImportOptions()</c> suits a single-input, single-output image classifier.
/// </summary>
public sealed record OnnxImportOptions
{
    private readonly string? _inputName;
    private readonly string? _outputName;
    private readonly IReadOnlyList<string> _observedValues = [];

    /// <summary>
    /// Name of the graph input that receives the tensor passed to <see cref="OnnxModule.forward"/>. Default
    /// <c>null</c>: the graph must have exactly one input that is not an initializer, and that one is used.
    /// </summary>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string? InputName
    {
        get => _inputName;
        init => _inputName = ValidateName(value, nameof(InputName));
    }

    /// <summary>
    /// Name of the value the module returns. It may be a graph output or any intermediate value produced by a node
    /// (useful to read features, e.g. the last convolutional block). Default <c>null</c>: the graph must declare exactly
    /// one output, and that one is used. Only the nodes needed to compute this value are imported.
    /// </summary>
    /// <exception cref="ArgumentException">The value is empty or white space.</exception>
    public string? OutputName
    {
        get => _outputName;
        init => _outputName = ValidateName(value, nameof(OutputName));
    }

    /// <summary>
    /// Whether a graph that declares a fixed batch size (most exported image models declare 1) accepts any batch size.
    /// When true, a <c>Reshape</c> whose constant target shape starts with the declared batch size uses the runtime
    /// batch size of the input in that position instead. Default <c>true</c>.
    /// </summary>
    public bool DynamicBatch { get; init; } = true;

    /// <summary>
    /// Names of intermediate values (outputs of imported nodes) that pass through an identity child module of the
    /// imported module, listed in <see cref="OnnxModule.ObservedValueModules"/>, so that forward hooks see them:
    /// for example the tokens of a transformer block as a Grad-CAM target layer. Default empty.
    /// </summary>
    /// <exception cref="ArgumentNullException">The list or one of its names is null.</exception>
    /// <exception cref="ArgumentException">A name is empty or white space.</exception>
    public IReadOnlyList<string> ObservedValues
    {
        get => _observedValues;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(ObservedValues));
            foreach (var name in value)
            {
                ArgumentNullException.ThrowIfNull(name, nameof(ObservedValues));
                ValidateName(name, nameof(ObservedValues));
            }

            _observedValues = [.. value];
        }
    }

    private static string? ValidateName(string? value, string parameterName)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("The name must be null (automatic) or a non-empty value name of the graph.", parameterName);
        }

        return value;
    }
}
