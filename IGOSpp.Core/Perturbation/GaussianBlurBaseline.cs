using static TorchSharp.torch;

namespace IGOSpp.Perturbation;

/// <summary>
/// The paper's baseline: a strongly blurred copy of the image. By default the kernel is 51 pixels with σ = 50 at
/// 224 px, scaled with the image size (min(H,W)/224; kernel rounded to the next odd size, at least 3, and capped so
/// that reflect padding fits: 7 and σ = 6.25 at 28 px).
/// </summary>
public sealed class GaussianBlurBaseline : IBaseline
{
    /// <summary>Kernel size of the paper's blur at 224 px.</summary>
    public const int ReferenceKernelSize = 51;

    /// <summary>σ of the paper's blur at 224 px.</summary>
    public const double ReferenceSigma = 50;

    /// <summary>Creates a blur baseline.</summary>
    /// <param name="kernelSize">A fixed odd kernel size, or null to scale the paper's 51 px with the image size.</param>
    /// <param name="sigma">A fixed σ in pixels, or null to scale the paper's 50 px with the image size.</param>
    public GaussianBlurBaseline(int? kernelSize = null, double? sigma = null)
    {
        if (kernelSize is { } k && (k < 1 || k % 2 == 0))
            throw new ArgumentOutOfRangeException(nameof(kernelSize), k, "The kernel size must be odd and ≥ 1.");
        if (sigma is { } s && (!(s > 0) || double.IsInfinity(s)))
            throw new ArgumentOutOfRangeException(nameof(sigma), s, "Sigma must be finite and > 0.");
        KernelSize = kernelSize;
        Sigma = sigma;
    }

    /// <summary>The fixed kernel size, or null when it scales with the image.</summary>
    public int? KernelSize { get; }

    /// <summary>The fixed σ, or null when it scales with the image.</summary>
    public double? Sigma { get; }

    /// <summary>The kernel size and σ used for an image of the given size.</summary>
    public (int KernelSize, double Sigma) ResolveFor(long height, long width)
    {
        var size = Math.Min(height, width);
        var scale = size / 224.0;
        var kernel = KernelSize ?? Math.Max(3, (int)Math.Round(ReferenceKernelSize * scale));
        if (KernelSize is null && kernel % 2 == 0) kernel++;
        var maxKernel = (int)(2 * size - 1);
        if (KernelSize is null && kernel > maxKernel) kernel = maxKernel % 2 == 1 ? maxKernel : maxKernel - 1;
        var sigma = Sigma ?? Math.Max(0.5, ReferenceSigma * scale);
        return (kernel, sigma);
    }

    /// <inheritdoc />
    public Tensor Create(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4)
            throw new ArgumentException($"Expected images of shape [N,C,H,W], got [{string.Join(",", images.shape)}].", nameof(images));
        var (kernel, sigma) = ResolveFor(images.shape[2], images.shape[3]);
        return GaussianBlur.Apply(images, kernel, sigma);
    }

    /// <inheritdoc />
    public override string ToString() => KernelSize is null && Sigma is null
        ? "GaussianBlur(51 px, σ 50 at 224 px, scaled)"
        : $"GaussianBlur(kernel {KernelSize?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "scaled"}, σ {Sigma?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "scaled"})";
}
