using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Perturbation;

/// <summary>
/// Separable Gaussian blur with reflect padding, computed with depthwise convolutions on the images' device.
/// (TorchVision 0.107's <c>gaussian_blur</c> builds a wrong kernel, so IGOSpp builds its own.)
/// </summary>
public static class GaussianBlur
{
    /// <summary>The normalized 1-D kernel: <c>g[i] ∝ exp(−(i − k/2)² / (2σ²))</c>, i = 0..k−1, summing to 1.</summary>
    /// <param name="kernelSize">Odd size ≥ 1.</param>
    /// <param name="sigma">Standard deviation in pixels, &gt; 0.</param>
    /// <returns>A float64 array of <paramref name="kernelSize"/> weights.</returns>
    public static double[] Kernel1D(int kernelSize, double sigma)
    {
        Validate(kernelSize, sigma);
        var weights = new double[kernelSize];
        var center = (kernelSize - 1) / 2.0;
        var sum = 0.0;
        for (var i = 0; i < kernelSize; i++)
        {
            var d = i - center;
            weights[i] = Math.Exp(-d * d / (2 * sigma * sigma));
            sum += weights[i];
        }

        for (var i = 0; i < kernelSize; i++) weights[i] /= sum;
        return weights;
    }

    /// <summary>Blurs images <c>[N,C,H,W]</c> (float32) channel by channel.</summary>
    /// <param name="images">The images; not modified.</param>
    /// <param name="kernelSize">Odd kernel size, at most <c>2·min(H,W) − 1</c> (reflect padding needs pad &lt; size).</param>
    /// <param name="sigma">Standard deviation in pixels, &gt; 0.</param>
    /// <returns>The blurred images, same shape, dtype and device. The caller owns the result.</returns>
    public static Tensor Apply(Tensor images, int kernelSize, double sigma)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4)
            throw new ArgumentException($"Expected images of shape [N,C,H,W], got [{string.Join(",", images.shape)}].", nameof(images));
        Validate(kernelSize, sigma);
        var pad = kernelSize / 2;
        var (h, w) = (images.shape[2], images.shape[3]);
        if (pad >= h || pad >= w)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize,
                $"Kernel size {kernelSize} is too large for a {h}×{w} image: reflect padding needs kernelSize ≤ 2·min(H,W) − 1 = {2 * Math.Min(h, w) - 1}.");
        if (pad == 0) return images.clone();

        using var scope = torch.NewDisposeScope();
        var channels = images.shape[1];
        var k = torch.tensor(Kernel1D(kernelSize, sigma), dtype: ScalarType.Float64)
            .to(images.dtype, images.device);
        var horizontal = k.view(1, 1, 1, kernelSize).expand(channels, 1, 1, kernelSize);
        var vertical = k.view(1, 1, kernelSize, 1).expand(channels, 1, kernelSize, 1);
        var x = nn.functional.pad(images, [pad, pad, 0, 0], PaddingModes.Reflect);
        x = nn.functional.conv2d(x, horizontal, groups: channels);
        x = nn.functional.pad(x, [0, 0, pad, pad], PaddingModes.Reflect);
        x = nn.functional.conv2d(x, vertical, groups: channels);
        return x.MoveToOuterDisposeScope();
    }

    private static void Validate(int kernelSize, double sigma)
    {
        if (kernelSize < 1 || kernelSize % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "The kernel size must be odd and ≥ 1.");
        if (!(sigma > 0) || double.IsInfinity(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Sigma must be finite and > 0.");
    }
}
