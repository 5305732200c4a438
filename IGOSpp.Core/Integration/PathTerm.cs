using static TorchSharp.torch;

namespace IGOSpp.Integration;

/// <summary>Which way a path perturbs the image.</summary>
public enum PathKind
{
    /// <summary>
    /// Deletion: the path images are Φ(I, Ĩ, a·U) = Ĩ + a·U⊙(I − Ĩ), a = k/S: starting at the baseline, revealing the
    /// image where U is high. The integrated score is high when the kept pixels (U ≈ 1) hold the evidence.
    /// </summary>
    Deletion,

    /// <summary>
    /// Insertion: the path images are Φ(Ĩ, I, a·U) = I − a·U⊙(I − Ĩ): the image is kept where U is small and replaced by
    /// the baseline where U is high.
    /// </summary>
    Insertion,
}

/// <summary>One integrated score to compute: a path kind, the full-resolution mask U <c>[N,1,H,W]</c> and the noise
/// stream its path noise comes from.</summary>
/// <param name="Kind">Deletion or insertion path.</param>
/// <param name="Mask">The upsampled mask, values in [0,1]; it may carry autograd history (gradients are returned with
/// respect to it, not propagated further).</param>
/// <param name="NoiseStream">Which noise its path images get, ≥ 0: terms of one call with the same stream share the noise
/// ε_k, terms with different streams draw independent noise (the iGOS++ objective gives each of its four terms its own
/// stream, as the paper does). Default 0.</param>
public sealed record PathTerm(PathKind Kind, Tensor Mask, int NoiseStream = 0);
