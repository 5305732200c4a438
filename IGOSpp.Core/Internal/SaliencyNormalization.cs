using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>Turns a non-negative saliency into the mask convention of <see cref="SaliencyMap"/>.</summary>
internal static class SaliencyNormalization
{
    /// <summary>Per image of <c>[N,h,w]</c>: (s − min)/(max − min), 0 where the map is constant.</summary>
    public static Tensor MinMax(Tensor saliency)
    {
        var flat = saliency.flatten(1);
        var lo = flat.min(1, keepdim: true).values;
        var hi = flat.max(1, keepdim: true).values;
        var range = hi - lo;
        var normalized = torch.where(range > 0, (flat - lo) / range.clamp_min(1e-30), torch.zeros_like(flat));
        return normalized.view_as(saliency);
    }

    /// <summary>Per image of <c>[N,h,w]</c> with values ≥ 0: s / max(s), 0 where the map is all zero.</summary>
    public static Tensor MaxOrZero(Tensor saliency)
    {
        var flat = saliency.flatten(1);
        var hi = flat.max(1, keepdim: true).values;
        return torch.where(hi > 0, flat / hi.clamp_min(1e-30), torch.zeros_like(flat)).view_as(saliency);
    }
}
