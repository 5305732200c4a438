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
    /// float32; the logits are converted back to float32. Meant for CPUs with bfloat16 instructions (AMX or AVX-512 BF16;
    /// on Linux <c>lscpu</c> lists <c>amx_bf16</c> or <c>avx512_bf16</c>) and for GPUs. Measure first: one explanation was
    /// 1.69× faster on an AMD EPYC with AVX-512 BF16 and 1.2× slower on an Intel Xeon with AVX-512 BF16 but no AMX
    /// (docs/performance.md).
    /// </summary>
    BFloat16,

    /// <summary>As <see cref="BFloat16"/> with float16; CUDA only (an explanation on the CPU throws).</summary>
    Float16,
}
