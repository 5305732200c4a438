using IGOSpp.Integration;
using IGOSpp.Internal;
using IGOSpp.Optimization;
using IGOSpp.Perturbation;
using IGOSpp.Regularization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// The iGOS++ objective over (Mx, My):
/// <code>
/// L = D(U(Mx)) − Ins(U(My)) + D(U(Mx)U(My)) − Ins(U(Mx)U(My)) + R(Mx⊙My),   R(M) = λ1·mean|1 − M| + λ2·BTV(M)
/// g_x = ½·[∇x D(Uxy) − ∇x Ins(Uxy) + ∇x D(Ux)] + ∇x R
/// g_y = ½·[∇y D(Uxy) − ∇y Ins(Uxy) − ∇y Ins(Uy)] + ∇y R
/// </code>
/// All four integrated terms are computed in one fused pass of the <see cref="IntegratedGradient"/>; each term draws its
/// own path noise, and every evaluation (the gradient pass and each line-search trial) draws new noise, as the paper does.
/// </summary>
internal sealed class IgosPlusPlusObjective : IMaskObjective, IDisposable
{
    private readonly PathObjectiveData _data;

    public IgosPlusPlusObjective(IntegratedGradient integrator, Tensor images, Tensor baselines, Tensor classes,
        IgosPlusPlusOptions options, long seed)
    {
        Integrator = integrator;
        _data = new PathObjectiveData(images, baselines, classes, seed, options.L1, options.L2, options.BilateralTV,
            options.BtvSigma, options.BtvBeta, options.ShareNoiseAcrossEvaluations);
    }

    public IntegratedGradient Integrator { get; }

    /// <summary>When true, the four terms are integrated in four separate passes (the slow reference path, kept for
    /// benchmarks).</summary>
    internal bool Unfused { get; init; }

    public long SampleCount => _data.SampleCount;

    public ObjectiveEvaluation Evaluate(IReadOnlyList<Tensor> masks, Tensor? samples, int iteration, int evaluation, bool computeGradients,
        CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        using var mode = computeGradients ? torch.enable_grad() : torch.inference_mode();
        var (images, baselines, delta, classes) = _data.Select(samples);
        var (h, w) = (images.shape[2], images.shape[3]);

        var mx = computeGradients ? masks[0].detach().requires_grad_(true) : masks[0];
        var my = computeGradients ? masks[1].detach().requires_grad_(true) : masks[1];
        var ux = MaskUpsampling.Bilinear(mx, h, w);
        var uy = MaskUpsampling.Bilinear(my, h, w);
        var uxy = ux * uy;
        PathTerm[] terms =
        [
            new(PathKind.Deletion, ux, _data.NoiseStream(0)),
            new(PathKind.Insertion, uy, _data.NoiseStream(1)),
            new(PathKind.Deletion, uxy, _data.NoiseStream(2)),
            new(PathKind.Insertion, uxy, _data.NoiseStream(3)),
        ];
        var noiseSeed = _data.NoiseSeed(iteration, evaluation);
        var (scores, gradients) = Integrate(images, baselines, delta, classes, terms, noiseSeed, computeGradients, cancellationToken);

        var mxy = mx * my;
        var regularizer = _data.Regularizer(mxy, samples);
        Tensor loss;
        Tensor[]? directions = null;
        using (torch.no_grad())
            loss = scores[0] - scores[1] + scores[2] - scores[3] + regularizer.detach();

        if (computeGradients)
        {
            var g = gradients!;
            var grads = torch.autograd.grad(
                [ux, uy, uxy, regularizer.sum()],
                [mx, my],
                [0.5 * g[0], -0.5 * g[1], 0.5 * (g[2] - g[3]), torch.ones([], regularizer.dtype, regularizer.device)]);
            directions = [grads[0].detach(), grads[1].detach()];
        }

        Tensor terms5;
        using (torch.no_grad())
            terms5 = torch.stack([scores[0], scores[1], scores[2], scores[3], regularizer.detach()], 1);
        var result = new ObjectiveEvaluation(
            loss.MoveToOuterDisposeScope(),
            terms5.MoveToOuterDisposeScope(),
            directions?.Select(d => d.MoveToOuterDisposeScope()).ToArray());
        return result;
    }

    private (Tensor[] Scores, IReadOnlyList<Tensor>? Gradients) Integrate(Tensor images, Tensor baselines, Tensor delta, Tensor classes,
        PathTerm[] terms, long noiseSeed, bool computeGradients, CancellationToken cancellationToken)
    {
        if (!Unfused)
        {
            var fused = Integrator.ComputeWithDelta(images, baselines, delta, classes, terms, noiseSeed, computeGradients, cancellationToken);
            return (Enumerable.Range(0, terms.Length).Select(t => fused.Scores[t]).ToArray(), fused.Gradients);
        }

        var scores = new Tensor[terms.Length];
        var gradients = computeGradients ? new Tensor[terms.Length] : null;
        for (var t = 0; t < terms.Length; t++)
        {
            var one = Integrator.ComputeWithDelta(images, baselines, delta, classes, [terms[t]], noiseSeed, computeGradients, cancellationToken);
            scores[t] = one.Scores[0];
            if (gradients is not null) gradients[t] = one.Gradients![0];
        }

        return (scores, gradients);
    }

    public void Dispose() => _data.Dispose();
}
