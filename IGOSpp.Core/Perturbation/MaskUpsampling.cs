using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Perturbation;

/// <summary>
/// How every method turns a low-resolution mask into a per-pixel mask: bilinear interpolation with
/// <c>align_corners = true</c>, so the corner cells map exactly onto the corner pixels.
/// </summary>
public static class MaskUpsampling
{
    /// <summary>Upsamples masks <c>[N,1,h,w]</c> (or any <c>[N,C,h,w]</c>) to <c>[N,C,height,width]</c>.</summary>
    /// <param name="masks">The masks. Not modified; gradients flow through the result.</param>
    /// <param name="height">Target height, ≥ 1.</param>
    /// <param name="width">Target width, ≥ 1.</param>
    /// <returns>A new tensor (an alias of the input when the size already matches). The caller owns it.</returns>
    public static Tensor Bilinear(Tensor masks, long height, long width)
    {
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.dim() != 4)
            throw new ArgumentException($"Expected masks of shape [N,C,h,w], got [{string.Join(",", masks.shape)}].", nameof(masks));
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (masks.shape[2] == height && masks.shape[3] == width) return masks.alias();
        return nn.functional.interpolate(masks, [height, width], mode: InterpolationMode.Bilinear, align_corners: true);
    }
}
