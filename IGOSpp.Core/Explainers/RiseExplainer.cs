using IGOSpp.Internal;
using IGOSpp.Perturbation;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// RISE (Petsiuk, Das, Saenko: "RISE: Randomized Input Sampling for Explanation of Black-box Models", BMVC 2018).
/// N binary s×s grids with keep probability p are upsampled bilinearly to (s+1)·⌈H/s⌉ × (s+1)·⌈W/s⌉ and cropped to H×W at a
/// random offset (smooth masks M_i at random sub-cell shifts); then
/// <code>
/// S = (1/(N·p)) · Σ_i f(Ĩ + M_i⊙(I − Ĩ)) · M_i
/// </code>
/// <see cref="SaliencyMap.Saliency"/> is S at the image's resolution; <see cref="SaliencyMap.Mask"/> is
/// 1 − (S − min S)/(max S − min S). The masks depend only on the seed and the image size, so every image of a batch
/// sees the same masks (a batch equals its images explained one by one). One progress report per model pass.
/// </summary>
public sealed class RiseExplainer : ExplainerBase
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "RISE";

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned.</param>
    /// <param name="options">Settings; null = the paper's defaults. Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public RiseExplainer(nn.Module<Tensor, Tensor> model, RiseOptions? options = null)
        : base(model)
    {
        Options = options ?? new RiseOptions();
        Options.Validate(nameof(options));
    }

    /// <summary>The settings.</summary>
    public RiseOptions Options { get; }

    /// <inheritdoc />
    public override string Method => MethodName;

    /// <inheritdoc />
    private protected override ScoreFunction Score => Options.Score;

    /// <summary>RISE only averages scores: a target without gradient (e.g. after non-maximum suppression) is fine.</summary>
    private protected override bool RequiresGradient => false;

    /// <inheritdoc />
    private protected override IReadOnlyList<SaliencyMap> Run(ExplanationInput input, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var (n, h, w) = (input.N, input.Height, input.Width);
        var x = input.Images;
        var device = x.device;
        var count = Options.ResolveMaskCount(Math.Min(h, w));
        var s = Options.GridSize;
        var (cellH, cellW) = ((h + s - 1) / s, (w + s - 1) / s);
        var p = Options.KeepProbability;
        BaselineBlend blend;
        using (torch.no_grad()) blend = BaselineBlend.Of(x, BaselineFactory.Create(Options.Baseline, x));

        using var generator = new torch.Generator((ulong)(Options.Seed ?? Random.Shared.Next()));
        var offsets = new Random(Options.Seed ?? Random.Shared.Next());
        var sum = torch.zeros([n, h, w], ScalarType.Float32, device);
        var perBatch = Batching.PerImage(Options.MaxBatchSize, n);
        var batches = Batching.Count(count, perBatch);
        using var inference = torch.inference_mode();
        var b = 0;
        foreach (var (_, m) in Batching.Ranges(count, perBatch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var grids = (torch.rand([m, 1, s, s], generator: generator) < p).to(ScalarType.Float32);
            var up = nn.functional.interpolate(grids, [(s + 1) * cellH, (s + 1) * cellW], mode: InterpolationMode.Bilinear,
                align_corners: false);
            var masks = torch.stack(Enumerable.Range(0, m).Select(i =>
                up[i, 0].narrow(0, offsets.Next((int)cellH), h).narrow(1, offsets.Next((int)cellW), w)).ToArray()).to(device); // [m,H,W]
            var perturbed = blend.Keep(masks.view(m, 1, 1, h, w)).reshape(m * n, x.shape[1], h, w);
            var f = TargetScoring.Interleaved(input.Targets, Model.call(perturbed), n).view(m, n);
            sum.add_((f.view(m, n, 1, 1) * masks.view(m, 1, h, w)).sum([0]));
            progress?.Report(new ExplanationProgress(++b, batches, double.NaN, input.Clock.Elapsed));
        }

        var saliency = sum.div_(count * p);
        var mask = (1 - SaliencyNormalization.MinMax(saliency)).cpu();
        var sal = saliency.cpu();
        var maps = new SaliencyMap[n];
        for (var i = 0; i < n; i++)
            maps[i] = new SaliencyMap(MethodName, input.ClassIdOf(i), mask[i], sal[i], h, w,
                OptimizationTrace.Empty(input.Clock.Elapsed, n + (long)count * n), originalScore: input.OriginalScores[i], target: input.Targets[i]);
        return maps;
    }
}
