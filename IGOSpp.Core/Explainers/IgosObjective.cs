using IGOSpp.Integration;
using IGOSpp.Internal;
using IGOSpp.Optimization;
using IGOSpp.Perturbation;
using IGOSpp.Regularization;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// The objective of every I-GOS-family method over its masks (see <see cref="IgosMethod"/>):
/// <code>
/// L = Σ_t sign_t·score_t(Π_{m∈t} U(M_m)) + R(Π_m M_m),   R(M) = λ1·mean|1 − M| + λ2·(B)TV(M)
/// g_m = w·Σ_t sign_t·∂score_t/∂M_m + ∂R/∂M_m
/// </code>
/// All terms are integrated in one fused pass of the <see cref="IntegratedGradient"/>; each term draws its own path
/// noise, and every evaluation (the gradient pass and each line-search trial) draws new noise, as the paper does.
/// Keeps I − Ĩ and the bilateral weights (owned); the images, baselines and classes stay the caller's.
/// </summary>
internal sealed class IgosObjective : IMaskObjective, IDisposable
{
    private readonly IntegratedGradient _integrator;
    private readonly IgosMethod _method;
    private readonly BaselineBlend _blend;
    private readonly IReadOnlyList<ExplanationTarget> _targets;
    private readonly BilateralTV? _btv;
    private readonly double _l1;
    private readonly double _l2;
    private readonly long _seed;
    private readonly bool _shareNoise;

    public IgosObjective(IntegratedGradient integrator, Tensor images, Tensor baselines, IReadOnlyList<ExplanationTarget> targets,
        IgosMethod method, IgosOptionsBase options, long seed)
    {
        _integrator = integrator;
        _method = method;
        _targets = targets;
        (_l1, _l2, _seed, _shareNoise) = (options.L1, options.L2, seed, options.ShareNoiseAcrossEvaluations);
        var delta = BaselineBlend.Of(images, baselines).Delta.DetachFromDisposeScope();
        _blend = new BaselineBlend(images, baselines, delta);
        try
        {
            if (method.BilateralTV) _btv = new BilateralTV(images, method.BtvSigma, method.TvBeta);
        }
        catch
        {
            delta.Dispose();
            throw;
        }

        ScoreNames = method.Terms.Select(t => t.Name).ToArray();
    }

    public long SampleCount => _blend.Count;

    public IReadOnlyList<string> ScoreNames { get; }

    /// <summary>The path-noise seed of evaluation <paramref name="evaluation"/> of iteration <paramref name="iteration"/>:
    /// a function of (seed, iteration, evaluation) only. With the noise shared (the earlier behaviour, kept for
    /// comparisons) one draw per iteration serves the gradient pass, every trial and every term.</summary>
    private long NoiseSeed(int iteration, int evaluation) => _shareNoise
        ? Seeds.Mix(_seed, iteration)
        : Seeds.Mix(Seeds.Mix(_seed, iteration), evaluation);

    public ObjectiveEvaluation Evaluate(IReadOnlyList<Tensor> masks, Tensor? samples, int iteration, int evaluation, bool computeGradients,
        CancellationToken cancellationToken) =>
        Evaluate(masks, samples, iteration, evaluation, computeGradients, fused: true, cancellationToken);

    /// <summary>As <see cref="Evaluate(IReadOnlyList{Tensor}, Tensor?, int, int, bool, CancellationToken)"/>; with
    /// <paramref name="fused"/> false every term is integrated in passes of its own (the reference loop of the tests and
    /// benchmarks: same values, more model passes).</summary>
    internal ObjectiveEvaluation Evaluate(IReadOnlyList<Tensor> masks, Tensor? samples, int iteration, int evaluation, bool computeGradients,
        bool fused, CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        using var mode = computeGradients ? torch.enable_grad() : torch.inference_mode();
        var blend = samples is null ? _blend : _blend.Select(samples);
        var targets = samples is null ? _targets : Select(_targets, samples);
        var (h, w) = (blend.Images.shape[2], blend.Images.shape[3]);

        var leaves = masks.Select(m => computeGradients ? m.detach().requires_grad_(true) : m).ToArray();
        var upsampled = leaves.Select(m => MaskUpsampling.Bilinear(m, h, w)).ToArray();
        var termMasks = new Dictionary<string, Tensor>();
        foreach (var term in _method.Terms)
            if (!termMasks.ContainsKey(term.MaskKey))
                termMasks[term.MaskKey] = term.Masks.Skip(1).Aggregate(upsampled[term.Masks[0]], (a, m) => a * upsampled[m]);
        var terms = _method.Terms.Select((t, i) => new PathTerm(t.Kind, termMasks[t.MaskKey], _shareNoise ? 0 : i)).ToArray();
        var (scores, gradients) = Integrate(blend, targets, terms, NoiseSeed(iteration, evaluation), computeGradients, fused, cancellationToken);

        var combined = leaves.Skip(1).Aggregate(leaves[0], (a, m) => a * m);
        var regularizer = Regularizer(combined, samples);
        Tensor loss;
        using (torch.no_grad())
        {
            loss = _method.Terms[0].Sign > 0 ? scores[0] : scores[0].neg();
            for (var t = 1; t < terms.Length; t++) loss = _method.Terms[t].Sign > 0 ? loss + scores[t] : loss - scores[t];
            loss = loss + regularizer.detach();
        }

        Tensor[]? directions = null;
        if (computeGradients)
        {
            // One gradient output per distinct term mask (Ux·Uy serves two terms), then the regularizer.
            var outputs = new List<Tensor>();
            var weights = new List<Tensor>();
            foreach (var group in _method.Terms.Select((t, i) => (Term: t, Index: i)).GroupBy(x => x.Term.MaskKey))
            {
                Tensor? sum = null;
                foreach (var (term, index) in group)
                    sum = sum is null ? term.Sign * gradients![index] : term.Sign > 0 ? sum + gradients![index] : sum - gradients![index];
                outputs.Add(termMasks[group.Key]);
                weights.Add(_method.DirectionWeight * sum!);
            }

            outputs.Add(regularizer.sum());
            weights.Add(torch.ones([], regularizer.dtype, regularizer.device));
            directions = torch.autograd.grad(outputs, leaves, weights).Select(g => g.detach().MoveToOuterDisposeScope()).ToArray();
        }

        Tensor scoreColumns;
        using (torch.no_grad()) scoreColumns = scores.t().contiguous();
        return new ObjectiveEvaluation(loss.MoveToOuterDisposeScope(), scoreColumns.MoveToOuterDisposeScope(),
            regularizer.detach().MoveToOuterDisposeScope(), directions);
    }

    /// <summary>R(M) = λ1·mean|1 − M| + λ2·BTV(M) (or plain TV), per image.</summary>
    private Tensor Regularizer(Tensor mask, Tensor? samples)
    {
        var l1 = (1 - mask).abs().flatten(1).mean([1]);
        var tv = _btv is not null ? _btv.Evaluate(mask, samples) : BilateralTV.TotalVariation(mask, _method.TvBeta);
        return _l1 * l1 + _l2 * tv;
    }

    /// <summary>The targets of the selected samples (one small host read of the indices, once per line-search trial).</summary>
    private static ExplanationTarget[] Select(IReadOnlyList<ExplanationTarget> targets, Tensor samples)
    {
        using var host = samples.cpu();
        return host.data<long>().Select(i => targets[(int)i]).ToArray();
    }

    /// <summary>Scores [T,N'] and, when asked, ∂score_t/∂U_t per term.</summary>
    private (Tensor Scores, IReadOnlyList<Tensor>? Gradients) Integrate(BaselineBlend blend, IReadOnlyList<ExplanationTarget> targets, PathTerm[] terms,
        long noiseSeed, bool computeGradients, bool fused, CancellationToken cancellationToken)
    {
        if (fused)
        {
            var all = _integrator.Compute(blend, targets, terms, noiseSeed, computeGradients, cancellationToken);
            return (all.Scores, all.Gradients);
        }

        var scores = new Tensor[terms.Length];
        var gradients = computeGradients ? new Tensor[terms.Length] : null;
        for (var t = 0; t < terms.Length; t++)
        {
            var one = _integrator.Compute(blend, targets, [terms[t]], noiseSeed, computeGradients, cancellationToken);
            scores[t] = one.Scores[0];
            if (gradients is not null) gradients[t] = one.Gradients![0];
        }

        return (torch.stack(scores), gradients);
    }

    public void Dispose()
    {
        _btv?.Dispose();
        _blend.Delta.Dispose();
    }
}
