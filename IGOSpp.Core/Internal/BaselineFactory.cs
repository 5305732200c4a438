using IGOSpp.Perturbation;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>Creates baselines and checks that a (possibly user-written) <see cref="IBaseline"/> behaves.</summary>
internal static class BaselineFactory
{
    public static Tensor Create(IBaseline baseline, Tensor images)
    {
        var result = baseline.Create(images);
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
