using IGOSpp.Perturbation;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>Creates baselines and checks that a (possibly user-written) <see cref="IBaseline"/> behaves.</summary>
internal static class BaselineFactory
{
    /// <summary>
    /// Creates the baselines image by image (libtorch's convolutions round differently for different batch sizes, and
    /// a batched explanation must equal the images explained one at a time).
    /// </summary>
    public static Tensor Create(IBaseline baseline, Tensor images)
    {
        var result = images.shape[0] == 1
            ? baseline.Create(images)
            : torch.cat(Enumerable.Range(0, (int)images.shape[0]).Select(i => baseline.Create(images.narrow(0, i, 1))).ToArray(), 0);
        if (result is null || !result.shape.SequenceEqual(images.shape))
            throw new ArgumentException(
                $"The baseline {baseline} returned {(result is null ? "null" : TensorGuard.Shape(result))} for images {TensorGuard.Shape(images)}; it must return the images' shape.",
                "options.Baseline");
        if (result.dtype != images.dtype || result.device != images.device)
            result = result.to(images.dtype, images.device);
        TensorGuard.RequireFinite(result, "options.Baseline");
        return result;
    }
}
