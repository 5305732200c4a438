using IGOSpp.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Support;

/// <summary>L(m) = ‖m − c‖² per image, with its exact gradient (negated at iteration 0 when asked); records every
/// call as (iteration, evaluation, computeGradients, the samples evaluated).</summary>
internal sealed class Quadratic(Tensor target, long sampleCount = 1) : IMaskObjective
{
    public long SampleCount => sampleCount;

    public bool AscentAtIteration0 { get; init; }

    public IReadOnlyList<string> ScoreNames => [];

    public List<(int Iteration, int Evaluation, bool Gradients, string Samples)> Calls { get; } = [];

    public ObjectiveEvaluation Evaluate(IReadOnlyList<Tensor> masks, Tensor? samples, int iteration, int evaluation, bool computeGradients,
        CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        Calls.Add((iteration, evaluation, computeGradients, samples is null ? "all" : string.Join(",", samples.data<long>().ToArray())));
        var c = target.dim() == 0 || samples is null ? target : target.index_select(0, samples);
        var difference = masks[0] - c;
        var loss = difference.square().flatten(1).sum(1);
        var scores = torch.zeros(new long[] { loss.shape[0], 0 });
        var regularizer = torch.zeros(new long[] { loss.shape[0] });
        var sign = AscentAtIteration0 && iteration == 0 ? -2 : 2;
        Tensor[]? gradients = computeGradients ? [(sign * difference).MoveToOuterDisposeScope()] : null;
        return new ObjectiveEvaluation(loss.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope(), regularizer.MoveToOuterDisposeScope(), gradients);
    }
}
