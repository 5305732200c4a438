using IGOSpp.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// Test and benchmark seam, never used by the explainers: the unoptimized reference loop of the I-GOS family. It
/// integrates every term in passes of its own instead of one fused pass, and after each gradient pass evaluates the
/// line search's starting loss again (same masks, same noise) instead of reusing the gradient pass's. The maps are the
/// same as the library loop's (up to float rounding that depends on the batch sizes); the model sees T·S more forward
/// images per iteration and smaller batches (docs/benchmarks.md measures the difference).
/// </summary>
internal sealed class ReferenceLoopObjective(IgosObjective inner) : IMaskObjective
{
    /// <summary>The seam that turns an explainer's loop into the reference loop
    /// (<c>new IgosPlusPlusExplainer(model, options) { ObjectiveSeam = ReferenceLoopObjective.Seam }</c>).</summary>
    public static Func<IgosObjective, IMaskObjective> Seam { get; } = o => new ReferenceLoopObjective(o);

    public long SampleCount => inner.SampleCount;

    public IReadOnlyList<string> ScoreNames => inner.ScoreNames;

    public ObjectiveEvaluation Evaluate(IReadOnlyList<Tensor> masks, Tensor? samples, int iteration, int evaluation, bool computeGradients,
        CancellationToken cancellationToken)
    {
        var result = inner.Evaluate(masks, samples, iteration, evaluation, computeGradients, fused: false, cancellationToken);
        if (!computeGradients) return result;
        using (result)
        {
            using var scope = torch.NewDisposeScope();
            using var again = inner.Evaluate(masks, samples, iteration, evaluation, false, fused: false, cancellationToken);
            return new ObjectiveEvaluation(again.Loss.clone().MoveToOuterDisposeScope(), result.Scores.clone().MoveToOuterDisposeScope(),
                result.Regularizer.clone().MoveToOuterDisposeScope(), result.Gradients!.Select(g => g.clone().MoveToOuterDisposeScope()).ToArray());
        }
    }
}
