using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>Checks that a model accepts a batch and returns finite [N,K] logits, and reads the classes' scores.</summary>
internal static class ModelProbe
{
    /// <summary>The device of the model's first parameter or buffer, or null when it has none.</summary>
    public static Device? DeviceOf(nn.Module model)
    {
        foreach (var p in model.parameters()) return p.device;
        foreach (var b in model.buffers()) return b.device;
        return null;
    }

    /// <summary>Throws when the images are not on the model's device.</summary>
    public static void RequireSameDevice(nn.Module model, Tensor images, string paramName)
    {
        var device = DeviceOf(model);
        if (device is not null && (device.type != images.device.type || device.index != images.device.index && device.type != DeviceType.CPU))
            throw new ArgumentException($"The images are on {images.device} but the model is on {device}; move one of them (tensor.to(device)).", paramName);
    }

    /// <summary>
    /// Runs the model once on the images (no gradient) and validates its output. Returns the number of outputs K
    /// and the class score of each image.
    /// </summary>
    public static (long OutputCount, double[] Scores) Run(nn.Module<Tensor, Tensor> model, Tensor images,
        IReadOnlyList<long> classIds, ScoreFunction score, string imagesName, string classIdsName)
    {
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        Tensor logits;
        try
        {
            logits = model.call(images);
        }
        catch (Exception ex) when (ex is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException(
                $"The model failed on an input of shape {TensorGuard.Shape(images)}: {FirstLine(ex.Message)} " +
                "Check the image's channels and size against what the model accepts.", imagesName, ex);
        }

        var n = images.shape[0];
        if (logits is null || logits.dim() != 2 || logits.shape[0] != n)
            throw new ArgumentException(
                $"The model returned {(logits is null ? "null" : TensorGuard.Shape(logits))} for {n} image(s); expected logits [{n},K].", nameof(model));
        if (logits.shape[1] < 1)
            throw new ArgumentException("The model returned zero outputs per image.", nameof(model));
        var k = logits.shape[1];
        for (var i = 0; i < classIds.Count; i++)
        {
            if (classIds[i] >= k)
                throw new ArgumentOutOfRangeException(classIdsName, classIds[i],
                    $"Class id {classIds[i]} (image {i}) is outside the model's {k} outputs [0, {k - 1}].");
        }

        var nonFinite = torch.isfinite(logits).logical_not().sum().item<long>();
        if (nonFinite > 0)
            throw new ArgumentException($"The model returned {nonFinite} NaN or infinite logit(s) for the unperturbed image(s).", nameof(model));
        var cls = torch.tensor(classIds.ToArray(), device: logits.device);
        var scores = ClassScores.Of(logits.to(ScalarType.Float32), cls, score).to(ScalarType.Float64).cpu().data<double>().ToArray();
        return (k, scores);
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.EndsWith('.') ? line : line + ".";
    }
}
