using IGOSpp.Integration;
using IGOSpp.Internal;
using IGOSpp.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// iGOS++ (Khorram, Lawson, Li: "iGOS++: Integrated Gradient Optimized Saliency by Bilateral Perturbations",
/// ACM CHIL 2021): optimizes a deletion mask Mx and an insertion mask My so that deleting the evidence marked by
/// Mx⊙My kills the class score and revealing only it restores the score, with integrated gradients as descent
/// directions, a bilateral TV regularizer and an Armijo line search.
/// </summary>
/// <example>
/// <code>
/// using var explainer = new IgosPlusPlusExplainer(model);
/// using SaliencyMap map = explainer.Explain(image, classId);
/// Tensor heat = map.Saliency; // [h,w], high = important
/// </code>
/// </example>
/// <remarks>
/// An instance is not thread-safe; several explainers on different threads may share one model (the model is put in
/// eval mode while any of them runs and restored when the last finishes; its parameters never receive gradients).
/// </remarks>
public sealed class IgosPlusPlusExplainer : ExplainerBase
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "iGOS++";

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned: the caller keeps and disposes it.</param>
    /// <param name="options">Settings; null = the defaults (see <see cref="IgosPlusPlusOptions"/>). Validated here.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    public IgosPlusPlusExplainer(nn.Module<Tensor, Tensor> model, IgosPlusPlusOptions? options = null)
        : base(model)
    {
        Options = options ?? new IgosPlusPlusOptions();
        Options.Validate(nameof(options));
    }

    /// <summary>The settings.</summary>
    public IgosPlusPlusOptions Options { get; }

    /// <inheritdoc />
    public override string Method => MethodName;

    /// <summary>Internal switch for benchmarks: integrate the four terms in separate passes and recompute the line
    /// search's starting loss (the unoptimized reference loop).</summary>
    internal bool ReferenceLoop { get; init; }

    /// <inheritdoc />
    private protected override ScoreFunction Score => Options.Score;

    /// <inheritdoc />
    private protected override IReadOnlyList<SaliencyMap> Run(ExplanationInput input, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken)
    {
        var size = Options.MaskSize;
        if (size > input.Height || size > input.Width)
            throw new ArgumentException(
                $"MaskSize {size} is larger than the image ({input.Height}×{input.Width}); use a MaskSize ≤ {Math.Min(input.Height, input.Width)}.",
                input.ImagesName);

        var pass = Math.Min(Options.MaxBatchSize, 4L * Options.IntegrationSteps * input.N);
        var (c, h, w) = (input.Images.shape[1], input.Height, input.Width);
        MemoryBudget.Require(MemoryBudget.PathBatchBytes(pass, c, h, w) + 6 * input.N * c * h * w * sizeof(float),
            input.Images.device.type == DeviceType.CPU, "options.MaxBatchSize", Options.MaxBatchSize,
            "Lower MaxBatchSize (images per model pass) or explain fewer or smaller images at once.");

        Tensor baselines;
        using (torch.no_grad()) baselines = BaselineFactory.Create(Options.Baseline, input.Images);
        var seed = (long)(Options.Seed ?? Random.Shared.Next());
        var integrator = new IntegratedGradient(Model, Options.IntegrationSteps, Options.NoiseStd, Options.Score, Options.MaxBatchSize);
        using var objective = new IgosPlusPlusObjective(integrator, input.Images, baselines, input.ClassTensor, Options, seed)
        {
            Unfused = ReferenceLoop,
        };
        var ones = torch.ones([input.N, 1, size, size], ScalarType.Float32, input.Images.device);
        var optimizer = new MaskOptimizer(Options.ToOptimizerOptions()) { RecomputeStartLoss = ReferenceLoop };
        using var result = optimizer.Optimize(objective, [ones, ones], progress, cancellationToken);

        var mx = result.Masks[0].cpu();
        var my = result.Masks[1].cpu();
        var mxy = mx * my;
        var elapsed = input.Clock.Elapsed;
        var maps = new SaliencyMap[input.N];
        for (var i = 0; i < input.N; i++)
        {
            var iterations = PathScoreDiagnostics.WithPathScoreRatios(result.Traces[i], input.OriginalScores[i]);
            var trace = new OptimizationTrace(iterations, elapsed, integrator.ForwardImages + input.N, integrator.BackwardImages);
            maps[i] = new SaliencyMap(MethodName, input.ClassIds[i], mxy[i, 0], 1 - mxy[i, 0], input.Height, input.Width, trace,
                mx[i, 0], my[i, 0], input.OriginalScores[i], PathScoreDiagnostics.Warnings(iterations, Options.NoiseStd));
        }

        return maps;
    }
}
