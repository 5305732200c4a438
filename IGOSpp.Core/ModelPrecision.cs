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
    /// float32; the logits are converted back to float32. Meant for CPUs with AMX bfloat16 instructions and for GPUs;
    /// measure first: on a CPU with AVX-512 BF16 but no AMX it was slower than float32 (docs/performance.md).
    /// </summary>
    BFloat16,

    /// <summary>As <see cref="BFloat16"/> with float16; CUDA only (an explanation on the CPU throws).</summary>
    Float16,
}
