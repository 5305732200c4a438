using System.Runtime.InteropServices;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>
/// Runs the model once on the clean images and checks its output against the targets: each target validates the output's
/// shape (class range, box format, mask size), is resolved (the top class becomes a class), and its score must be one
/// finite value — and, for the gradient-based methods, differentiable with respect to the input.
/// </summary>
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

    /// <summary>Probes the model; returns the resolved targets and the clean score of each image.</summary>
    /// <param name="model">The model.</param>
    /// <param name="images">The validated images [N,C,H,W].</param>
    /// <param name="targets">One target per image.</param>
    /// <param name="requiresGradient">Whether the method differentiates the score (then a score without gradient is an error).</param>
    /// <param name="imagesName">The images' public parameter name.</param>
    /// <param name="targetsName">The targets' (or class ids') public parameter name.</param>
    public static (ExplanationTarget[] Targets, double[] Scores) Run(nn.Module<Tensor, Tensor> model, Tensor images,
        IReadOnlyList<ExplanationTarget> targets, bool requiresGradient, string imagesName, string targetsName)
    {
        using var scope = torch.NewDisposeScope();
        using var mode = requiresGradient ? torch.enable_grad() : torch.inference_mode();
        var x = requiresGradient ? images.detach().requires_grad_(true) : images;
        Tensor output;
        try
        {
            output = model.call(x);
        }
        catch (Exception ex) when (ex is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException(
                $"The model failed on an input of shape {TensorGuard.Shape(images)}: {FirstLine(ex.Message)} " +
                "Check the image's channels and size against what the model accepts.", imagesName, ex);
        }

        var n = images.shape[0];
        if (output is null || output.dim() < 1 || output.shape[0] != n)
            throw new ArgumentException(
                $"The model returned {(output is null ? "null" : TensorGuard.Shape(output))} for {n} image(s); expected one output row per image (expected logits [{n},K] for a class target).", nameof(model));
        if (output.dim() == 2 && output.shape[1] < 1)
            throw new ArgumentException("The model returned zero outputs per image.", nameof(model));
        using (torch.no_grad())
        {
            var nonFinite = torch.isfinite(output).logical_not().sum().item<long>();
            if (nonFinite > 0)
                throw new ArgumentException($"The model returned {nonFinite} NaN or infinite value(s) for the unperturbed image(s).", nameof(model));
        }

        var (h, w) = (images.shape[2], images.shape[3]);
        var resolved = new ExplanationTarget[n];
        var scores = new double[n];
        for (var i = 0; i < n; i++)
        {
            var row = output.narrow(0, i, 1);
            var what = n == 1 ? "" : $" (image {i})";
            try
            {
                targets[i].Validate(row, h, w);
                resolved[i] = targets[i].Resolve(row);
                if (!ReferenceEquals(resolved[i], targets[i])) resolved[i].Validate(row, h, w);
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new ArgumentOutOfRangeException(targetsName, ex.ActualValue, Message(ex) + what);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException(Message(ex) + what, targetsName, ex);
            }

            var score = resolved[i].Score(row);
            if (score is null || score.dim() != 1 || score.shape[0] != 1)
                throw new ArgumentException(
                    $"The target '{resolved[i].Description}' returned {(score is null ? "null" : TensorGuard.Shape(score))} for one image; a target returns one score per row, [B]{what}.", targetsName);
            if (requiresGradient && !score.requires_grad)
                throw new ArgumentException(
                    $"The score of the target '{resolved[i].Description}' has no gradient with respect to the input{what}: it is computed " +
                    "through something that is not differentiable (an argmax, a threshold, non-maximum suppression, a detached tensor). " +
                    "This method differentiates the score; use a differentiable target (e.g. the raw detections before NMS), or RISE, which does not.",
                    targetsName);
            var value = score.detach().to(ScalarType.Float64).cpu().item<double>();
            if (!double.IsFinite(value))
                throw new ArgumentException($"The target '{resolved[i].Description}' gives a non-finite score ({value}) for the unperturbed image{what}.", targetsName);
            scores[i] = value;
        }

        return (resolved, scores);
    }

    /// <summary>The exception's message without the " (Parameter 'x')" suffix.</summary>
    private static string Message(ArgumentException ex)
    {
        var message = ex.Message;
        if (ex is ArgumentOutOfRangeException { ActualValue: { } actual })
        {
            var tail = $"{Environment.NewLine}Actual value was {actual}.";
            if (message.EndsWith(tail, StringComparison.Ordinal)) message = message[..^tail.Length];
        }

        var suffix = ex.ParamName is null ? null : $" (Parameter '{ex.ParamName}')";
        if (suffix is not null && message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        return message;
    }

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.EndsWith('.') ? line : line + ".";
    }
}
