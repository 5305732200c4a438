namespace IGOSpp.Models;

/// <summary>What <see cref="ModelLoader.LoadStateDict(TorchSharp.torch.nn.Module, string, bool)"/> did: which entries of the file were copied into the module
/// and which keys did not match.</summary>
public sealed class StateDictLoadReport
{
    internal StateDictLoadReport(IReadOnlyList<string> loadedKeys, IReadOnlyList<string> missingKeys, IReadOnlyList<string> unexpectedKeys)
    {
        LoadedKeys = loadedKeys;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
    }

    /// <summary>Keys of the module's state dict (parameters and buffers) that were copied from the file, sorted.</summary>
    public IReadOnlyList<string> LoadedKeys { get; }

    /// <summary>Keys of the module's state dict that the file does not hold (left unchanged), sorted. Empty in strict mode.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Keys in the file that the module does not have (ignored), sorted. Empty in strict mode.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{LoadedKeys.Count} loaded, {MissingKeys.Count} missing [{string.Join(", ", MissingKeys)}], {UnexpectedKeys.Count} unexpected [{string.Join(", ", UnexpectedKeys)}]";
}
