using System.Diagnostics.CodeAnalysis;

namespace IGOSpp;

/// <summary>
/// The floating-point type the model passes of the I-GOS family run in (<see cref="IgosOptionsBase.Precision"/>). Masks,
/// the gradients accumulated over the path, the scores, the line search and the regularizer stay float32 in every case.
/// </summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The names of TorchSharp's ScalarType members.")]
public enum ModelPrecision
{
    /// <summary>Every model pass in float32 (the default).</summary>
    Float32,

    /// <summary>
    /// Convolutions and matrix products of the model passes in bfloat16 (libtorch's autocast), the rest of the model in
    /// float32; the logits are converted back to float32. Faster on CPUs with AMX or AVX-512 BF16 instructions and on
    /// GPUs; slower on CPUs without them (docs/performance.md).
    /// </summary>
    BFloat16,

    /// <summary>As <see cref="BFloat16"/> with float16; CUDA only (an explanation on the CPU throws).</summary>
    Float16,
}
