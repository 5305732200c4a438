using IGOSpp.Internal;
using IGOSpp.Perturbation;
using IGOSpp.Regularization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// Meaningful Perturbation, "Mask" in the I-GOS/iGOS++ papers (Fong, Vedaldi: "Interpretable Explanations of Black Boxes
/// by Meaningful Perturbation", ICCV 2017): a deletion mask m (low resolution, upsampled bilinearly) optimized with Adam
/// (<c>torch.optim.Adam</c> on the mask only) to minimize
/// <code>
/// λ1·mean|1 − m| + λ2·TV_β(m) + f(Ĩ + J(U(m))⊙(I − Ĩ))
/// </code>
/// where J shifts the upsampled mask by a random offset of up to MaxJitter pixels each iteration; m is clamped to [0,1]
/// after each step. <see cref="SaliencyMap.Mask"/> is m, <see cref="SaliencyMap.Saliency"/> is 1 − m. The trace records
/// per iteration the loss, f as DeletionScore and the regularizer; one progress report per iteration.
/// </summary>
public sealed class MeaningfulPerturbationExplainer : ExplainerBase
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "Mask";

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned.</param>
    /// <param name="options">Settings; null = the paper's defaults. Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public MeaningfulPerturbationExplainer(nn.Module<Tensor, Tensor> model, MeaningfulPerturbationOptions? options = null)
        : base(model)
    {
        Options = options ?? new MeaningfulPerturbationOptions();
        Options.Validate(nameof(options));
    }

    /// <summary>The settings.</summary>
    public MeaningfulPerturbationOptions Options { get; }

    /// <summary>Name of the trace's one score: the class score of the masked (and jittered) image.</summary>
    public const string ScoreName = "f(masked)";

    /// <inheritdoc />
    public override string Method => MethodName;

    /// <inheritdoc />
    private protected override ScoreFunction Score => Options.Score;

    /// <inheritdoc />
    private protected override IReadOnlyList<SaliencyMap> Run(ExplanationInput input, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var (n, h, w) = (input.N, input.Height, input.Width);
        var size = Options.MaskSize;
        if (size > h || size > w)
            throw new ArgumentException($"MaskSize {size} is larger than the image ({h}×{w}); use a MaskSize ≤ {Math.Min(h, w)}.",
                input.ImagesName);
        var x = input.Images;
        BaselineBlend blend;
        using (torch.no_grad()) blend = BaselineBlend.Of(x, BaselineFactory.Create(Options.Baseline, x));

        var jitter = Options.MaxJitter ?? (int)Math.Round(4.0 * Math.Min(h, w) / 224);
        var random = new Random(Options.Seed ?? Random.Shared.Next());
        using var mask = new TorchSharp.Modules.Parameter(torch.ones([n, 1, size, size], ScalarType.Float32, x.device));
        using var adam = torch.optim.Adam([mask], lr: Options.LearningRate);
        var traces = Enumerable.Range(0, (int)n).Select(_ => new List<IterationTrace>(Options.Iterations)).ToArray();
        for (var it = 0; it < Options.Iterations; it++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var (dy, dx) = (random.Next(2 * jitter + 1), random.Next(2 * jitter + 1));
            Tensor f, regularizer;
            using (torch.enable_grad())
            {
                var up = MaskUpsampling.Bilinear(mask, h, w);
                if (jitter > 0)
                    up = nn.functional.pad(up, [jitter, jitter, jitter, jitter], PaddingModes.Replicate).narrow(2, dy, h).narrow(3, dx, w);
                f = TargetScoring.Interleaved(input.Targets, Model.call(blend.Keep(up)), n);
                regularizer = Options.L1 * (1 - mask).abs().flatten(1).mean([1]) + Options.L2 * BilateralTV.TotalVariation(mask, Options.TvBeta);
                var grad = torch.autograd.grad([(f + regularizer).sum()], [mask])[0];
                mask.grad = grad.detach();
            }

            adam.step();
            using (torch.no_grad()) mask.clamp_(0, 1);
            var host = torch.stack([f.detach(), regularizer.detach()], 1).to(ScalarType.Float64).cpu().data<double>().ToArray();
            for (var i = 0; i < n; i++)
            {
                var (fi, ri) = (host[2 * i], host[2 * i + 1]);
                traces[i].Add(new IterationTrace(it, fi + ri, [fi], ri, Options.LearningRate, double.NaN, 0));
            }

            progress?.Report(new ExplanationProgress(it + 1, Options.Iterations, traces.Average(t => t[^1].Loss), input.Clock.Elapsed));
        }

        var m = mask.detach().cpu();
        var maps = new SaliencyMap[n];
        for (var i = 0; i < n; i++)
            maps[i] = new SaliencyMap(MethodName, input.ClassIdOf(i), m[i, 0], 1 - m[i, 0], h, w,
                new OptimizationTrace(traces[i], input.Clock.Elapsed, n, (long)n * Options.Iterations, [ScoreName]),
                originalScore: input.OriginalScores[i], target: input.Targets[i]);
        return maps;
    }
}
