using static TorchSharp.torch;

namespace IGOSpp.Optimization;

/// <summary>
/// The function a <see cref="MaskOptimizer"/> minimizes over one or more masks per image, e.g. the iGOS++ objective
/// over (Mx, My).
/// </summary>
public interface IMaskObjective
{
    /// <summary>Number of images N the objective is defined for.</summary>
    long SampleCount { get; }

    /// <summary>Names of the scores an evaluation reports (the columns of <see cref="ObjectiveEvaluation.Scores"/>, and
    /// <see cref="IterationTrace.Scores"/> in the trace), e.g. <c>D(Ux)</c>, <c>Ins(Uy)</c>.</summary>
    IReadOnlyList<string> ScoreNames { get; }

    /// <summary>
    /// Evaluates the objective at <paramref name="masks"/>.
    /// </summary>
    /// <param name="masks">The masks, each <c>[N',1,h,w]</c> in [0,1]; not modified.</param>
    /// <param name="samples">int64 indices (on the masks' device) of the N' images the masks belong to, or null for all
    /// N images in order.</param>
    /// <param name="iteration">The optimizer's iteration (0-based).</param>
    /// <param name="evaluation">Which evaluation of the iteration this is: 0 for the pass at the iteration's masks
    /// (the one that returns the descent direction; its loss is the line search's starting loss), j ≥ 1 for the j-th
    /// line-search trial. Stochastic parts (path noise) must depend only on (iteration, evaluation) and never on which
    /// images are evaluated, so that a fixed seed reproduces an explanation bit for bit and a batch equals its images
    /// explained alone. The I-GOS family draws new noise for every evaluation, as the paper does.</param>
    /// <param name="computeGradients">Whether to return the descent direction for every mask.</param>
    /// <param name="cancellationToken">Checked between model passes.</param>
    /// <returns>The evaluation. The caller owns it and must dispose it.</returns>
    ObjectiveEvaluation Evaluate(IReadOnlyList<Tensor> masks, Tensor? samples, int iteration, int evaluation, bool computeGradients,
        CancellationToken cancellationToken);
}
