namespace IGOSpp.Models;

/// <summary>What a model file holds, as <see cref="ModelLoader.DetectKind"/> tells from its content.</summary>
public enum ModelFileKind
{
    /// <summary>None of the kinds below (for example an ONNX file, or a corrupt one).</summary>
    Unknown = 0,

    /// <summary>A TorchScript archive written by <c>torch.jit.save</c>: load it with <see cref="ModelLoader.LoadTorchScript"/>.</summary>
    TorchScript = 1,

    /// <summary>A state dict pickled by <c>torch.save</c> (a zip without TorchScript code): weights only, for a module
    /// built in TorchSharp (<see cref="KnownArchitectures"/>).</summary>
    PickledStateDict = 2,

    /// <summary>A .safetensors file: weights only, like <see cref="PickledStateDict"/>.</summary>
    Safetensors = 3,
}
