using static TorchSharp.torch;

namespace IGOSpp.Perturbation;

/// <summary>
/// Makes the baseline image Ĩ that masked-out pixels are replaced with (the "absence of evidence").
/// </summary>
public interface IBaseline
{
    /// <summary>Creates the baselines of images <c>[N,C,H,W]</c>.</summary>
    /// <param name="images">Preprocessed images; not modified and not disposed.</param>
    /// <returns>Baselines of the same shape, dtype and device. The caller owns the result and must dispose it.</returns>
    Tensor Create(Tensor images);
}
