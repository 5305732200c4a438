using IGOSpp.Perturbation;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Regularization;

/// <summary>
/// Bilateral total variation of masks: mask changes cost little where the image changes a lot, so mask edges
/// follow image edges.
/// <code>
/// BTV(M)      = ½·[TV(M) + TVimg(U(M))]
/// TV(M)       = mean over vertical pairs |ΔM|^β + mean over horizontal pairs |ΔM|^β      (on the h×w mask)
/// TVimg(U)    = mean over vertical pairs w·|ΔU|^β + mean over horizontal pairs w·|ΔU|^β  (on the H×W upsampled mask)
/// w           = exp(−d²/σ), d² = squared difference of the two image pixels, averaged over channels
/// </code>
/// The image weights are computed once, in the constructor, on the images' device.
/// </summary>
public sealed class BilateralTV : IDisposable
{
    private readonly Tensor _vertical;
    private readonly Tensor _horizontal;

    /// <summary>Precomputes the image weights of a batch.</summary>
    /// <param name="images">Images <c>[N,C,H,W]</c> (as given to the model); not modified.</param>
    /// <param name="sigma">σ of the edge weights, &gt; 0 (default 0.01, the paper's; in the preprocessed image's units).</param>
    /// <param name="beta">Exponent β ≥ 1 of the mask differences (default 2).</param>
    public BilateralTV(Tensor images, double sigma = 0.01, double beta = 2)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[2] < 2 || images.shape[3] < 2)
            throw new ArgumentException($"Expected images of shape [N,C,H,W] with H,W ≥ 2, got [{string.Join(",", images.shape)}].", nameof(images));
        ValidateBeta(beta);
        if (!(sigma > 0) || double.IsInfinity(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Sigma must be finite and > 0.");
        Sigma = sigma;
        Beta = beta;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = images.detach();
        var dv = (x[.., .., 1.., ..] - x[.., .., ..^1, ..]).square().mean([1], keepdim: true);
        var dh = (x[.., .., .., 1..] - x[.., .., .., ..^1]).square().mean([1], keepdim: true);
        _vertical = (-dv / sigma).exp().DetachFromDisposeScope();
        _horizontal = (-dh / sigma).exp().DetachFromDisposeScope();
    }

    /// <summary>σ of the edge weights.</summary>
    public double Sigma { get; }

    /// <summary>Exponent of the mask differences.</summary>
    public double Beta { get; }

    /// <summary>Weights of vertical pixel pairs, <c>[N,1,H−1,W]</c>. Owned by this object.</summary>
    public Tensor VerticalWeights => _vertical;

    /// <summary>Weights of horizontal pixel pairs, <c>[N,1,H,W−1]</c>. Owned by this object.</summary>
    public Tensor HorizontalWeights => _horizontal;

    /// <summary>BTV of masks, one value per sample; differentiable.</summary>
    /// <param name="masks">Masks <c>[N,1,h,w]</c> (h,w ≥ 2) at the optimization resolution; upsampled internally.</param>
    /// <param name="samples">Indices (int64, on the weights' device) of the images the masks belong to, or null when the
    /// masks are the whole batch in order.</param>
    /// <returns>[N] values. The caller owns the result.</returns>
    public Tensor Evaluate(Tensor masks, Tensor? samples = null)
    {
        ArgumentNullException.ThrowIfNull(masks);
        var n = samples is null ? _vertical.shape[0] : samples.shape[0];
        if (masks.dim() != 4 || masks.shape[0] != n || masks.shape[1] != 1)
            throw new ArgumentException($"Expected masks of shape [{n},1,h,w], got [{string.Join(",", masks.shape)}].", nameof(masks));
        using var scope = torch.NewDisposeScope();
        var (height, width) = (_horizontal.shape[2], _vertical.shape[3]);
        var wv = samples is null ? _vertical : _vertical.index_select(0, samples);
        var wh = samples is null ? _horizontal : _horizontal.index_select(0, samples);
        var up = MaskUpsampling.Bilinear(masks, height, width);
        var value = 0.5 * (TotalVariation(masks, Beta) + WeightedTotalVariation(up, wv, wh, Beta));
        return value.MoveToOuterDisposeScope();
    }

    /// <summary>Plain TV: mean over vertical pairs of |ΔM|^β plus mean over horizontal pairs, per sample.</summary>
    /// <param name="masks">[N,C,h,w] with h,w ≥ 2.</param>
    /// <param name="beta">Exponent ≥ 1.</param>
    /// <returns>[N]. The caller owns the result.</returns>
    public static Tensor TotalVariation(Tensor masks, double beta)
    {
        ArgumentNullException.ThrowIfNull(masks);
        RequireMasks(masks);
        ValidateBeta(beta);
        using var scope = torch.NewDisposeScope();
        var dv = Power(masks[.., .., 1.., ..] - masks[.., .., ..^1, ..], beta);
        var dh = Power(masks[.., .., .., 1..] - masks[.., .., .., ..^1], beta);
        return (dv.flatten(1).mean([1]) + dh.flatten(1).mean([1])).MoveToOuterDisposeScope();
    }

    /// <summary>TV with per-pair weights: mean over vertical pairs of w·|ΔM|^β plus the same over horizontal pairs.</summary>
    /// <param name="masks">[N,1,H,W] with H,W ≥ 2.</param>
    /// <param name="verticalWeights">[N,1,H−1,W].</param>
    /// <param name="horizontalWeights">[N,1,H,W−1].</param>
    /// <param name="beta">Exponent ≥ 1.</param>
    /// <returns>[N]. The caller owns the result.</returns>
    public static Tensor WeightedTotalVariation(Tensor masks, Tensor verticalWeights, Tensor horizontalWeights, double beta)
    {
        ArgumentNullException.ThrowIfNull(masks);
        ArgumentNullException.ThrowIfNull(verticalWeights);
        ArgumentNullException.ThrowIfNull(horizontalWeights);
        RequireMasks(masks);
        ValidateBeta(beta);
        using var scope = torch.NewDisposeScope();
        var dv = verticalWeights * Power(masks[.., .., 1.., ..] - masks[.., .., ..^1, ..], beta);
        var dh = horizontalWeights * Power(masks[.., .., .., 1..] - masks[.., .., .., ..^1], beta);
        return (dv.flatten(1).mean([1]) + dh.flatten(1).mean([1])).MoveToOuterDisposeScope();
    }

    /// <summary>Releases the precomputed weights.</summary>
    public void Dispose()
    {
        _vertical.Dispose();
        _horizontal.Dispose();
    }

    private static Tensor Power(Tensor d, double beta) =>
        beta == 2 ? d.square() : beta == 1 ? d.abs() : d.abs().pow(beta);

    private static void RequireMasks(Tensor masks)
    {
        if (masks.dim() != 4 || masks.shape[2] < 2 || masks.shape[3] < 2)
            throw new ArgumentException($"Expected masks of shape [N,C,h,w] with h,w ≥ 2, got [{string.Join(",", masks.shape)}].", nameof(masks));
    }

    private static void ValidateBeta(double beta)
    {
        if (!(beta >= 1) || double.IsInfinity(beta))
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "Beta must be finite and ≥ 1 (below 1 the gradient is infinite at 0).");
    }
}
