using IGOSpp.Integration;
using IGOSpp.Internal;
using IGOSpp.Perturbation;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// Integrated Gradients (Sundararajan, Taly, Yan: "Axiomatic Attribution for Deep Networks", ICML 2017):
/// <code>
/// attr(x) = (x − x') ⊙ ∫₀¹ ∇f(x' + α·(x − x')) dα  ≈  (x − x') ⊙ Σ_k w_k·∇f(x' + α_k·(x − x'))
/// </code>
/// with the nodes α_k and weights w_k of <see cref="IntegratedGradientsOptions.Quadrature"/>. Completeness:
/// Σ attr ≈ f(x) − f(x'). <see cref="SaliencyMap.Saliency"/> is |attr| summed over channels and average-pooled to
/// <see cref="IntegratedGradientsOptions.Resolution"/> (full resolution by default); <see cref="SaliencyMap.Mask"/> is
/// 1 − Saliency/max(Saliency), i.e. 0 at the most attributed pixel. The signed attributions come from
/// the <c>Attribute</c> overloads.
/// </summary>
public sealed class IntegratedGradientsExplainer : ExplainerBase
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "Integrated Gradients";

    private readonly double[] _nodes;
    private readonly double[] _weights;

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned.</param>
    /// <param name="options">Settings; null = the defaults. Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public IntegratedGradientsExplainer(nn.Module<Tensor, Tensor> model, IntegratedGradientsOptions? options = null)
        : base(model)
    {
        Options = options ?? new IntegratedGradientsOptions();
        Options.Validate(nameof(options));
        (_nodes, _weights) = Quadrature.Create(Options.Quadrature, Options.IntegrationSteps);
    }

    /// <summary>The settings.</summary>
    public IntegratedGradientsOptions Options { get; }

    /// <inheritdoc />
    public override string Method => MethodName;

    /// <summary>The signed attributions of a batch.</summary>
    /// <param name="images">Float32 images <c>[N,C,H,W]</c>; not modified.</param>
    /// <param name="classIds">One class per image.</param>
    /// <param name="cancellationToken">Checked before every model pass.</param>
    /// <returns>Attributions <c>[N,C,H,W]</c> on the images' device. The caller owns the tensor and must dispose it.</returns>
    public Tensor Attribute(Tensor images, IReadOnlyList<long> classIds, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var targets = ExplanationRunner.ClassTargets(classIds, TargetScoring.KindOf(Options.Score), nameof(classIds));
        return Attribute(images, targets, CallShape.ManyClasses, cancellationToken);
    }

    /// <summary>The signed attributions of a batch, for any score targets.</summary>
    /// <param name="images">Float32 images <c>[N,C,H,W]</c>; not modified.</param>
    /// <param name="targets">One target per image.</param>
    /// <param name="cancellationToken">Checked before every model pass.</param>
    /// <returns>Attributions <c>[N,C,H,W]</c> on the images' device. The caller owns the tensor and must dispose it.</returns>
    public Tensor Attribute(Tensor images, IReadOnlyList<ExplanationTarget> targets, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return Attribute(images, targets, CallShape.ManyTargets, cancellationToken);
    }

    private Tensor Attribute(Tensor images, IReadOnlyList<ExplanationTarget> targets, CallShape shape, CancellationToken cancellationToken) =>
        ExplanationRunner.Run(Model, images, targets, shape, RequiresGradient,
            input => Attributions(input, null, cancellationToken).MoveToOuterDisposeScope(), cancellationToken);

    /// <inheritdoc />
    private protected override ScoreFunction Score => Options.Score;

    /// <inheritdoc />
    private protected override IReadOnlyList<SaliencyMap> Run(ExplanationInput input, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var r = Options.Resolution;
        if (r is { } side && (side > input.Height || side > input.Width))
            throw new ArgumentException(
                $"Resolution {side} is larger than the image ({input.Height}×{input.Width}); use a Resolution ≤ {Math.Min(input.Height, input.Width)}.",
                input.ImagesName);
        var attributions = Attributions(input, progress, cancellationToken);
        Tensor saliency;
        using (torch.no_grad())
        {
            saliency = attributions.abs().sum([1], keepdim: true);
            if (r is { } s) saliency = nn.functional.adaptive_avg_pool2d(saliency, [s, s]);
            saliency = saliency[.., 0];
        }

        var mask = (1 - SaliencyNormalization.MaxOrZero(saliency)).cpu();
        var sal = saliency.cpu();
        var count = (long)_nodes.Length * input.N;
        var maps = new SaliencyMap[input.N];
        for (var i = 0; i < input.N; i++)
            maps[i] = new SaliencyMap(MethodName, input.ClassIdOf(i), mask[i], sal[i], input.Height, input.Width,
                OptimizationTrace.Empty(input.Clock.Elapsed, input.N, count), originalScore: input.OriginalScores[i], target: input.Targets[i]);
        return maps;
    }

    /// <summary>(x − x')·Σ_k w_k·∇f(x' + α_k(x − x')), in batches of path points; owned by the current scope.</summary>
    private Tensor Attributions(ExplanationInput input, IProgress<ExplanationProgress>? progress, CancellationToken cancellationToken)
    {
        var x = input.Images;
        var n = input.N;
        BaselineBlend blend;
        using (torch.no_grad()) blend = BaselineBlend.Of(x, BaselineFactory.Create(Options.Baseline, x));

        var sum = torch.zeros_like(x);
        var perBatch = Batching.PerImage(Options.MaxBatchSize, n);
        var batches = Batching.Count(_nodes.Length, perBatch);
        var b = 0;
        foreach (var (k0, k) in Batching.Ranges(_nodes.Length, perBatch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var alpha = torch.tensor(_nodes.AsSpan(k0, k).ToArray(), ScalarType.Float32, x.device).view(k, 1, 1, 1, 1);
            var weight = torch.tensor(_weights.AsSpan(k0, k).ToArray(), ScalarType.Float32, x.device).view(k, 1, 1, 1, 1);
            using (torch.enable_grad())
            {
                var path = blend.Keep(alpha).reshape(k * n, x.shape[1], x.shape[2], x.shape[3])
                    .detach().requires_grad_(true);
                var f = TargetScoring.Interleaved(input.Targets, Model.call(path), n);
                var grad = torch.autograd.grad([f.sum()], [path])[0];
                using var noGrad = torch.no_grad();
                sum.add_((grad.view(k, n, x.shape[1], x.shape[2], x.shape[3]) * weight).sum([0]));
            }

            progress?.Report(new ExplanationProgress(++b, batches, double.NaN, input.Clock.Elapsed));
        }

        using (torch.no_grad()) return blend.Delta * sum;
    }
}
