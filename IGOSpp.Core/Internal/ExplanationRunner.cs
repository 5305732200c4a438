using System.Diagnostics;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>What every explainer knows about a validated batch before its method-specific work.</summary>
internal sealed class ExplanationInput
{
    public required Tensor Images { get; init; }

    /// <summary>The resolved target of each image (the top class became a class).</summary>
    public required IReadOnlyList<ExplanationTarget> Targets { get; init; }

    /// <summary>The score f of each clean image under its target.</summary>
    public required double[] OriginalScores { get; init; }

    public required Stopwatch Clock { get; init; }

    /// <summary>The public parameter name of the images ("image" or "images"), for error messages.</summary>
    public required string ImagesName { get; init; }
    public long N => Images.shape[0];
    public long Height => Images.shape[2];
    public long Width => Images.shape[3];

    /// <summary>The class of image <paramref name="i"/>'s target, or −1 when it has none.</summary>
    public long ClassIdOf(int i) => Targets[i].ClassId ?? -1;
}

/// <summary>Where a call's targets came from: their public parameter name, and whether they are one or a batch.</summary>
/// <param name="ImagesName">"image" or "images".</param>
/// <param name="TargetsName">"classId", "classIds", "target" or "targets".</param>
/// <param name="Single">One image ([C,H,W] or [1,C,H,W]) or a batch.</param>
internal readonly record struct CallShape(string ImagesName, string TargetsName, bool Single)
{
    public static CallShape OneClass => new("image", "classId", true);
    public static CallShape ManyClasses => new("images", "classIds", false);
    public static CallShape OneTarget => new("image", "target", true);
    public static CallShape ManyTargets => new("images", "targets", false);
}

/// <summary>
/// The shared part of every explainer's <c>Explain</c>: argument validation, eval mode with guaranteed restore, the
/// probe pass that validates the model's output against the targets, and a dispose scope around the whole explanation
/// so that nothing but the returned maps outlives the call (also on exceptions and cancellation).
/// </summary>
internal static class ExplanationRunner
{
    /// <summary>Class targets of one kind for class ids (validated: ≥ 0).</summary>
    public static ExplanationTarget[] ClassTargets(IReadOnlyList<long> classIds, ClassScoreKind kind, string paramName)
    {
        ArgumentNullException.ThrowIfNull(classIds, paramName);
        var targets = new ExplanationTarget[classIds.Count];
        for (var i = 0; i < classIds.Count; i++)
        {
            if (classIds[i] < 0)
                throw new ArgumentOutOfRangeException(paramName, classIds[i],
                    classIds.Count == 1 ? $"Class id {classIds[i]} is negative." : $"Class id {classIds[i]} (image {i}) is negative.");
            targets[i] = new ClassTarget(classIds[i], kind);
        }

        return targets;
    }

    /// <summary>Runs <paramref name="body"/> on validated images and targets.</summary>
    /// <param name="model">The model.</param>
    /// <param name="images">The images as the caller passed them.</param>
    /// <param name="targets">One target per image.</param>
    /// <param name="shape">The call's parameter names and arity.</param>
    /// <param name="requiresGradient">Whether the method differentiates the targets' scores.</param>
    /// <param name="body">The method. A tensor it returns must be moved out of the runner's scope with
    /// <c>MoveToOuterDisposeScope()</c>.</param>
    /// <param name="cancellationToken">Checked before the probe.</param>
    public static T Run<T>(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<ExplanationTarget> targets, CallShape shape,
        bool requiresGradient, Func<ExplanationInput, T> body, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        ArgumentNullException.ThrowIfNull(targets, shape.TargetsName);
        using var scope = torch.NewDisposeScope();
        var batch = TensorGuard.ImageBatch(images, shape.ImagesName, shape.Single, model);
        if (targets.Count != batch.shape[0])
            throw new ArgumentException(shape.Single
                ? $"Expected one target, got {targets.Count}."
                : $"Expected {batch.shape[0]} {(shape.TargetsName == "classIds" ? "class ids" : "targets")} (one per image), got {targets.Count}.", shape.TargetsName);
        for (var i = 0; i < targets.Count; i++)
            if (targets[i] is null)
                throw new ArgumentNullException(shape.TargetsName, $"Target {i} is null.");
        cancellationToken.ThrowIfCancellationRequested();

        using var threads = IgosThreading.Enter();
        using var eval = ModelEvalScope.Enter(model);
        var x = batch.contiguous();
        var (resolved, scores) = ModelProbe.Run(model, x, targets, requiresGradient, shape.ImagesName, shape.TargetsName);
        var input = new ExplanationInput
        {
            Images = x,
            Targets = resolved,
            OriginalScores = scores,
            Clock = clock,
            ImagesName = shape.ImagesName,
        };
        return body(input);
    }
}
