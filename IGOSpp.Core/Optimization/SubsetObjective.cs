using static TorchSharp.torch;

namespace IGOSpp.Optimization;

/// <summary>
/// The objective restricted to some of its images (those an early stop has not stopped): image j of this objective is
/// image <c>indices[j]</c> of the inner one. Iteration and evaluation indices pass through unchanged, so every image sees
/// the noise it would see in the whole batch.
/// </summary>
/// <param name="inner">The whole objective.</param>
/// <param name="indices">int64 indices into the inner objective's images, on the masks' device; the caller keeps it
/// alive while this objective is used.</param>
/// <param name="count">The number of indices.</param>
internal sealed class SubsetObjective(IMaskObjective inner, Tensor indices, long count) : IMaskObjective
{
    public long SampleCount => count;

    public IReadOnlyList<string> ScoreNames => inner.ScoreNames;

    public ObjectiveEvaluation Evaluate(IReadOnlyList<Tensor> masks, Tensor? samples, int iteration, int evaluation, bool computeGradients,
        CancellationToken cancellationToken)
    {
        using var global = samples is null ? null : indices.index_select(0, samples);
        return inner.Evaluate(masks, global ?? indices, iteration, evaluation, computeGradients, cancellationToken);
    }
}
