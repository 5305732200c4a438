using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>Ready-made <see cref="GradCamOptions.ReshapeTransform"/> functions.</summary>
public static class GradCamTransforms
{
    /// <summary>
    /// Vision-transformer tokens <c>[N, P + h·w, D]</c> (P prefix tokens such as the class token, then the patches
    /// row by row) to the grid <c>[N, D, h, w]</c>: the prefix tokens are dropped, the patch tokens laid out on the
    /// h×w patch grid and the embedding becomes the channel axis (pytorch-grad-cam's <c>reshape_transform</c> for ViT).
    /// For torchvision's ViT with image size S and patch size p, h = w = S/p and P = 1.
    /// </summary>
    /// <param name="height">Patch rows h (≥ 1).</param>
    /// <param name="width">Patch columns w (≥ 1).</param>
    /// <param name="prefixTokens">Tokens before the patches (default 1, the class token; 0 for none).</param>
    /// <returns>A function that returns a new <c>[N, D, h, w]</c> tensor; it throws <see cref="ArgumentException"/>
    /// for an input that is not <c>[N, P + h·w, D]</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or <paramref name="prefixTokens"/> is negative.</exception>
    public static Func<Tensor, Tensor> TokensToGrid(int height, int width, int prefixTokens = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(prefixTokens);
        var tokens = prefixTokens + ((long)height * width);
        return x =>
        {
            ArgumentNullException.ThrowIfNull(x);
            if (x.dim() != 3 || x.shape[1] != tokens)
                throw new ArgumentException(
                    $"Expected tokens [N,{tokens},D] ({prefixTokens} prefix + {height}x{width} patches), got [{string.Join(",", x.shape)}].", nameof(x));
            return x.narrow(1, prefixTokens, (long)height * width).reshape(x.shape[0], height, width, x.shape[2]).permute(0, 3, 1, 2).contiguous();
        };
    }
}
