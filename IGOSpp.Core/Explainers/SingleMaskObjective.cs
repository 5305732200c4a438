using IGOSpp.Integration;
using IGOSpp.Internal;
using IGOSpp.Optimization;
using IGOSpp.Perturbation;
using IGOSpp.Regularization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>What the single-mask methods (I-GOS, iGOS+) need to know, whichever options record they came from.</summary>
internal sealed record SingleMaskSettings(
    string Method, bool InsertionTerm, bool BilateralTV, int MaskSize, int IntegrationSteps, double L1, double L2,
    double NoiseStd, double BtvSigma, double TvBeta, ScoreFunction Score, int? Seed, IBaseline Baseline, int MaxBatchSize,
    MaskOptimizerOptions Optimizer, bool ShareNoiseAcrossEvaluations);

/// <summary>
/// The objective of I-GOS (deletion only, plain TV) and iGOS+ (deletion and insertion, bilateral TV) over one mask M:
/// <code>
/// L = D(U(M)) [− Ins(U(M))] + R(M),   R(M) = λ1·mean|1 − M| + λ2·TV(M) (I-GOS) or λ2·BTV(M) (iGOS+)
/// g = ∇D [− ∇Ins] + ∇R
/// </code>
/// Both path terms are integrated in one fused <see cref="IntegratedGradient"/> pass.
/// </summary>
internal sealed class SingleMaskObjective : IMaskObjective, IDisposable
{
    private readonly IntegratedGradient _integrator;
    private readonly SingleMaskSettings _settings;
    private readonly PathObjectiveData _data;

    public SingleMaskObjective(IntegratedGradient integrator, Tensor images, Tensor baselines, Tensor classes,
        SingleMaskSettings settings, long seed)
    {
        _integrator = integrator;
        _settings = settings;
        _data = new PathObjectiveData(images, baselines, classes, seed, settings.L1, settings.L2, settings.BilateralTV,
            settings.BtvSigma, settings.TvBeta, settings.ShareNoiseAcrossEvaluations);
    }

    public long SampleCount => _data.SampleCount;

    public ObjectiveEvaluation Evaluate(IReadOnlyList<Tensor> masks, Tensor? samples, int iteration, int evaluation, bool computeGradients,
        CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        using var mode = computeGradients ? torch.enable_grad() : torch.inference_mode();
        var (images, baselines, delta, classes) = _data.Select(samples);
        var (h, w) = (images.shape[2], images.shape[3]);

        var m = computeGradients ? masks[0].detach().requires_grad_(true) : masks[0];
        var u = MaskUpsampling.Bilinear(m, h, w);
        PathTerm[] terms = _settings.InsertionTerm
            ? [new(PathKind.Deletion, u, _data.NoiseStream(0)), new(PathKind.Insertion, u, _data.NoiseStream(1))]
            : [new(PathKind.Deletion, u, _data.NoiseStream(0))];
        using var fused = _integrator.ComputeWithDelta(images, baselines, delta, classes, terms, _data.NoiseSeed(iteration, evaluation),
            computeGradients, cancellationToken);
        var deletion = fused.Scores[0];
        var insertion = _settings.InsertionTerm ? fused.Scores[1] : torch.full_like(deletion, double.NaN);

        var regularizer = _data.Regularizer(m, samples);
        Tensor loss;
        using (torch.no_grad())
            loss = _settings.InsertionTerm ? deletion - insertion + regularizer.detach() : deletion + regularizer.detach();

        Tensor[]? directions = null;
        if (computeGradients)
        {
            var g = fused.Gradients!;
            var pathGradient = _settings.InsertionTerm ? g[0] - g[1] : g[0];
            var grads = torch.autograd.grad([u, regularizer.sum()], [m],
                [pathGradient, torch.ones([], regularizer.dtype, regularizer.device)]);
            directions = [grads[0].detach().MoveToOuterDisposeScope()];
        }

        Tensor terms5;
        using (torch.no_grad())
        {
            var nan = torch.full_like(deletion, double.NaN);
            terms5 = torch.stack([deletion, insertion, nan, nan, regularizer.detach()], 1);
        }

        return new ObjectiveEvaluation(loss.MoveToOuterDisposeScope(), terms5.MoveToOuterDisposeScope(), directions);
    }

    public void Dispose() => _data.Dispose();
}

/// <summary>The body shared by <see cref="IgosExplainer"/> and <see cref="IgosPlusExplainer"/>.</summary>
internal static class SingleMaskRunner
{
    public static SaliencyMap[] Run(nn.Module<Tensor, Tensor> model, SingleMaskSettings settings, ExplanationInput input,
        IProgress<ExplanationProgress>? progress, CancellationToken cancellationToken)
    {
        var size = settings.MaskSize;
        if (size > input.Height || size > input.Width)
            throw new ArgumentException(
                $"MaskSize {size} is larger than the image ({input.Height}×{input.Width}); use a MaskSize ≤ {Math.Min(input.Height, input.Width)}.",
                input.ImagesName);

        Tensor baselines;
        using (torch.no_grad()) baselines = BaselineFactory.Create(settings.Baseline, input.Images);
        var seed = (long)(settings.Seed ?? Random.Shared.Next());
        var integrator = new IntegratedGradient(model, settings.IntegrationSteps, settings.NoiseStd, settings.Score, settings.MaxBatchSize);
        using var objective = new SingleMaskObjective(integrator, input.Images, baselines, input.ClassTensor, settings, seed);
        var ones = torch.ones([input.N, 1, size, size], ScalarType.Float32, input.Images.device);
        using var result = new MaskOptimizer(settings.Optimizer).Optimize(objective, [ones], progress, cancellationToken);

        var mask = result.Masks[0].cpu();
        var elapsed = input.Clock.Elapsed;
        var maps = new SaliencyMap[input.N];
        for (var i = 0; i < input.N; i++)
        {
            var iterations = PathScoreDiagnostics.WithPathScoreRatios(result.Traces[i], input.OriginalScores[i]);
            var trace = new OptimizationTrace(iterations, elapsed, integrator.ForwardImages + input.N, integrator.BackwardImages);
            maps[i] = new SaliencyMap(settings.Method, input.ClassIds[i], mask[i, 0], 1 - mask[i, 0], input.Height, input.Width,
                trace, originalScore: input.OriginalScores[i], warnings: PathScoreDiagnostics.Warnings(iterations, settings.NoiseStd));
        }

        return maps;
    }
}
