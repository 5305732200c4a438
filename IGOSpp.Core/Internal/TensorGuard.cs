using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>Argument checks for tensors; every failure is an <see cref="ArgumentException"/> naming the parameter.</summary>
internal static class TensorGuard
{
    public static string Shape(Tensor t) => "[" + string.Join(",", t.shape) + "]";

    public static void RequireRank(Tensor t, int rank, string paramName, string expected)
    {
        ArgumentNullException.ThrowIfNull(t, paramName);
        if (t.IsInvalid) throw new ArgumentException("The tensor has been disposed.", paramName);
        if (t.dim() != rank)
            throw new ArgumentException($"Expected a tensor of shape {expected}, got {Shape(t)} (rank {t.dim()}).", paramName);
    }

    public static void RequireSameShape(Tensor t, Tensor reference, string paramName, string referenceName)
    {
        ArgumentNullException.ThrowIfNull(t, paramName);
        if (!t.shape.SequenceEqual(reference.shape))
            throw new ArgumentException($"Expected the shape of {referenceName}, {Shape(reference)}, got {Shape(t)}.", paramName);
    }

    public static void RequireFloat32(Tensor t, string paramName)
    {
        if (t.dtype != ScalarType.Float32)
            throw new ArgumentException(
                $"Expected a float32 tensor, got {t.dtype}. Convert it with .to_type(ScalarType.Float32) after preprocessing.",
                paramName);
    }

    public static void RequireNonEmpty(Tensor t, string paramName)
    {
        if (t.numel() == 0 || t.shape.Any(d => d == 0))
            throw new ArgumentException($"The tensor is empty (shape {Shape(t)}); every dimension must be at least 1.", paramName);
    }

    /// <summary>Throws when the tensor holds NaN or ±Inf (one host synchronisation).</summary>
    public static void RequireFinite(Tensor t, string paramName)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var bad = torch.isfinite(t).logical_not().sum().item<long>();
        if (bad > 0)
            throw new ArgumentException($"The tensor holds {bad} NaN or infinite value(s).", paramName);
    }

    /// <summary>
    /// Validates an image batch for the explainers and returns it as [N,C,H,W] (a view when the input was [C,H,W]):
    /// shape, dtype, then (when a model is given) its device, then finite values.
    /// </summary>
    public static Tensor ImageBatch(Tensor images, string paramName, bool single, TorchSharp.torch.nn.Module? model = null)
    {
        ArgumentNullException.ThrowIfNull(images, paramName);
        if (images.IsInvalid) throw new ArgumentException("The tensor has been disposed.", paramName);
        var expected = single ? "[C,H,W] or [1,C,H,W]" : "[N,C,H,W]";
        if (single ? images.dim() is not (3 or 4) : images.dim() != 4)
            throw new ArgumentException($"Expected an image of shape {expected}, got {Shape(images)} (rank {images.dim()}).", paramName);
        RequireNonEmpty(images, paramName);
        if (single && images.dim() == 4 && images.shape[0] != 1)
            throw new ArgumentException(
                $"Expected one image of shape {expected}, got a batch {Shape(images)}; use Explain(images, classIds) for batches.", paramName);
        RequireFloat32(images, paramName);
        if (images.shape[^1] < 2 || images.shape[^2] < 2)
            throw new ArgumentException($"The image must be at least 2×2 pixels, got {Shape(images)}.", paramName);
        if (model is not null) ModelProbe.RequireSameDevice(model, images, paramName);
        RequireFinite(images, paramName);
        return images.dim() == 3 ? images.unsqueeze(0) : images.alias();
    }
}
