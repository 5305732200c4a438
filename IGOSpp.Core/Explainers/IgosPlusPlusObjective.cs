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
/// All four integrated terms are computed in one fused pass of the <see cref="IntegratedGradient"/>.
/// </summary>
internal sealed class IgosPlusPlusObjective : IMaskObjective, IDisposable
{
    private readonly IgosPlusPlusOptions _options;
    private readonly Tensor _images;
    private readonly Tensor _baselines;
    private readonly Tensor _delta;
    private readonly Tensor _classes;
    private readonly BilateralTV? _btv;
    private readonly long _seed;

    public IgosPlusPlusObjective(IntegratedGradient integrator, Tensor images, Tensor baselines, Tensor classes,
        IgosPlusPlusOptions options, long seed)
    {
        Integrator = integrator;
        _images = images;
        _baselines = baselines;
        using (torch.no_grad()) _delta = (images - baselines).DetachFromDisposeScope();
        _classes = classes;
        _options = options;
        _seed = seed;
        if (options.BilateralTV) _btv = new BilateralTV(images, options.BtvSigma, options.BtvBeta);
    }

    public IntegratedGradient Integrator { get; }

    /// <summary>When true, the four terms are integrated in four separate passes (the slow reference path, kept for
    /// benchmarks).</summary>
    internal bool Unfused { get; init; }

    public long SampleCount => _images.shape[0];

    public ObjectiveEvaluation Evaluate(IReadOnlyList<Tensor> masks, Tensor? samples, int iteration, bool computeGradients,
        CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        using var mode = computeGradients ? torch.enable_grad() : torch.inference_mode();
        var images = samples is null ? _images : _images.index_select(0, samples);
        var baselines = samples is null ? _baselines : _baselines.index_select(0, samples);
        var classes = samples is null ? _classes : _classes.index_select(0, samples);
        var delta = samples is null ? _delta : _delta.index_select(0, samples);
        var (h, w) = (images.shape[2], images.shape[3]);

        var mx = computeGradients ? masks[0].detach().requires_grad_(true) : masks[0];
        var my = computeGradients ? masks[1].detach().requires_grad_(true) : masks[1];
        var ux = MaskUpsampling.Bilinear(mx, h, w);
        var uy = MaskUpsampling.Bilinear(my, h, w);
        var uxy = ux * uy;
        PathTerm[] terms =
        [
            new(PathKind.Deletion, ux),
            new(PathKind.Insertion, uy),
            new(PathKind.Deletion, uxy),
            new(PathKind.Insertion, uxy),
        ];
        var noiseSeed = Seeds.Mix(_seed, iteration);
        var (scores, gradients) = Integrate(images, baselines, delta, classes, terms, noiseSeed, computeGradients, cancellationToken);

        var mxy = mx * my;
        var regularizer = Regularizer(mxy, samples);
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

    /// <summary>R(M) = λ1·mean|1 − M| + λ2·BTV(M) (or plain TV when BTV is off), per image.</summary>
    private Tensor Regularizer(Tensor mask, Tensor? samples)
    {
        var l1 = (1 - mask).abs().flatten(1).mean([1]);
        var tv = _btv is not null ? _btv.Evaluate(mask, samples) : BilateralTV.TotalVariation(mask, _options.BtvBeta);
        return _options.L1 * l1 + _options.L2 * tv;
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

    public void Dispose()
    {
        _btv?.Dispose();
        _delta.Dispose();
    }
}
