using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>What every explainer knows about a validated batch before its method-specific work.</summary>
internal sealed class ExplanationInput
{
    public required Tensor Images { get; init; }
    public required IReadOnlyList<long> ClassIds { get; init; }
    public required Tensor ClassTensor { get; init; }
    public required double[] OriginalScores { get; init; }
    public required long OutputCount { get; init; }
    public required Stopwatch Clock { get; init; }

    /// <summary>The public parameter name of the images ("image" or "images"), for error messages.</summary>
    public required string ImagesName { get; init; }
    public long N => Images.shape[0];
    public long Height => Images.shape[2];
    public long Width => Images.shape[3];
}

/// <summary>
/// The shared part of every explainer's <c>Explain</c>: argument validation, eval mode with guaranteed restore, the
/// probe pass that validates the model's output and the class ids, and a dispose scope around the whole explanation
/// so that nothing but the returned maps outlives the call (also on exceptions and cancellation).
/// </summary>
internal static class ExplanationRunner
{
    public static SaliencyMap RunSingle(nn.Module<Tensor, Tensor> model, Tensor image, long classId, ScoreFunction score,
        Func<ExplanationInput, IReadOnlyList<SaliencyMap>> body, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classId);
        return Run(model, image, [classId], score, single: true, "image", "classId", body, cancellationToken)[0];
    }

    public static IReadOnlyList<SaliencyMap> RunBatch(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<long> classIds,
        ScoreFunction score, Func<ExplanationInput, IReadOnlyList<SaliencyMap>> body, CancellationToken cancellationToken) =>
        RunBatchOf(model, images, classIds, score, body, cancellationToken);

    /// <summary>Like <see cref="RunBatch"/> for bodies that return something else than maps (e.g. attributions). A tensor
    /// the body returns must be moved out of the runner's scope with <c>MoveToOuterDisposeScope()</c>.</summary>
    public static T RunBatchOf<T>(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<long> classIds,
        ScoreFunction score, Func<ExplanationInput, T> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(classIds);
        for (var i = 0; i < classIds.Count; i++)
            if (classIds[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(classIds), classIds[i], $"Class id {classIds[i]} (image {i}) is negative.");
        return Run(model, images, classIds, score, single: false, "images", "classIds", body, cancellationToken);
    }

    private static T Run<T>(nn.Module<Tensor, Tensor> model, Tensor images, IReadOnlyList<long> classIds,
        ScoreFunction score, bool single, string imagesName, string classIdsName,
        Func<ExplanationInput, T> body, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var batch = TensorGuard.ImageBatch(images, imagesName, single, model);
        if (!single && classIds.Count != batch.shape[0])
            throw new ArgumentException($"Expected {batch.shape[0]} class ids (one per image), got {classIds.Count}.", classIdsName);
        cancellationToken.ThrowIfCancellationRequested();

        using var threads = IgosThreading.Enter();
        using var eval = ModelEvalScope.Enter(model);
        var x = batch.contiguous();
        var (k, scores) = ModelProbe.Run(model, x, classIds, score, imagesName, classIdsName);
        var input = new ExplanationInput
        {
            Images = x,
            ClassIds = classIds.ToArray(),
            ClassTensor = torch.tensor(classIds.ToArray(), device: x.device),
            OriginalScores = scores,
            OutputCount = k,
            Clock = clock,
            ImagesName = imagesName,
        };
        return body(input);
    }
}
