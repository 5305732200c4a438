using IGOSpp.Integration;
using IGOSpp.Internal;
using IGOSpp.Optimization;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// The one pipeline of I-GOS, iGOS+ and iGOS++ (iGOS++ is its two-mask case): mask-size and memory checks, baselines,
/// seed, the integrator, the objective, the optimizer from masks at 1, and the maps with their traces and warnings.
/// The methods differ only in their <see cref="IgosMethod"/>.
/// </summary>
internal static class IgosFamily
{
    /// <summary>Explains validated images with the method <paramref name="options"/> describe.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="options">The method's validated settings.</param>
    /// <param name="input">The validated batch.</param>
    /// <param name="progress">One report per iteration; may be null.</param>
    /// <param name="cancellationToken">Checked between model passes.</param>
    /// <param name="objectiveSeam">Tests and benchmarks only: wraps the objective (e.g. in the reference loop).</param>
    public static SaliencyMap[] Run(nn.Module<Tensor, Tensor> model, IgosOptionsBase options, ExplanationInput input,
        IProgress<ExplanationProgress>? progress, CancellationToken cancellationToken,
        Func<IgosObjective, IMaskObjective>? objectiveSeam = null)
    {
        var method = options.ToMethod();
        var size = options.MaskSize;
        if (size > input.Height || size > input.Width)
            throw new ArgumentException(
                $"MaskSize {size} is larger than the image ({input.Height}×{input.Width}); use a MaskSize ≤ {Math.Min(input.Height, input.Width)}.",
                input.ImagesName);

        OptionCheck.Require(options.Precision != ModelPrecision.Float16 || input.Images.device.type == DeviceType.CUDA, nameof(options),
            nameof(options.Precision), options.Precision, $"needs a CUDA device (the images are on {input.Images.device.type}); use BFloat16 on the CPU");
        if (options.Precision != ModelPrecision.Float32 && !AutocastScope.IsSupported)
            throw new PlatformNotSupportedException(
                $"Precision {options.Precision} needs libtorch's autocast functions, which were not found on this platform; use Float32.");
        var pass = Math.Min(options.MaxBatchSize, (long)method.Terms.Length * options.IntegrationSteps * input.N);
        var (c, h, w) = (input.Images.shape[1], input.Height, input.Width);
        MemoryBudget.Require(MemoryBudget.PathBatchBytes(pass, c, h, w) + 6 * input.N * c * h * w * sizeof(float),
            input.Images.device.type == DeviceType.CPU, "options.MaxBatchSize", options.MaxBatchSize,
            "Lower MaxBatchSize (images per model pass) or explain fewer or smaller images at once.");

        Tensor baselines;
        using (torch.no_grad()) baselines = BaselineFactory.Create(options.Baseline, input.Images);
        var seed = (long)(options.Seed ?? Random.Shared.Next());
        var integrator = new IntegratedGradient(model, options.IntegrationSteps, options.NoiseStd, options.Score, options.MaxBatchSize)
        {
            Precision = options.Precision,
            BatchAcrossImages = options.BatchAcrossImages,
            Quadrature = options.Quadrature,
        };
        using var objective = new IgosObjective(integrator, input.Images, baselines, input.Targets, method, options, seed);
        var initial = options.InitialMask.Create(input.N, size, input.Images.device);
        var start = Enumerable.Repeat(initial, method.MaskCount).ToArray();
        using var result = new MaskOptimizer(options.ToOptimizerOptions())
            .Optimize(objectiveSeam is null ? objective : objectiveSeam(objective), start, progress, cancellationToken);

        var masks = result.Masks.Select(m => m.cpu()).ToArray();
        var combined = masks.Skip(1).Aggregate(masks[0], (a, m) => a * m);
        var elapsed = input.Clock.Elapsed;
        var maps = new SaliencyMap[input.N];
        for (var i = 0; i < input.N; i++)
        {
            var iterations = PathScoreDiagnostics.WithPathScoreRatios(result.Traces[i], input.OriginalScores[i]);
            var trace = new OptimizationTrace(iterations, elapsed, integrator.ForwardImages + input.N, integrator.BackwardImages,
                result.ScoreNames)
            {
                StoppedEarlyAt = result.StoppedEarlyAt[i],
            };
            maps[i] = new SaliencyMap(method.Name, input.ClassIdOf(i), combined[i, 0], 1 - combined[i, 0], input.Height, input.Width, trace,
                method.MaskCount == 2 ? masks[0][i, 0] : null, method.MaskCount == 2 ? masks[1][i, 0] : null, input.OriginalScores[i],
                PathScoreDiagnostics.Warnings(iterations, options.NoiseStd), input.Targets[i]);
        }

        return maps;
    }

    /// <summary>Explains one image <paramref name="count"/> times from the initializations of
    /// <see cref="IgosDiversity.Initializations"/> (same seed and noise for all: only the start differs).</summary>
    public static IReadOnlyList<SaliencyMap> ExplainDiverse(nn.Module<Tensor, Tensor> model, IgosOptionsBase options, Tensor image,
        ExplanationTarget target, int count, IProgress<ExplanationProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var seed = options.Seed ?? Random.Shared.Next();
        var fixedSeed = options with { Seed = seed };
        var maps = new List<SaliencyMap>(count);
        try
        {
            foreach (var initialization in IgosDiversity.Initializations(options.InitialMask, count, seed))
            {
                var each = fixedSeed with { InitialMask = initialization };
                maps.Add(ExplanationRunner.Run(model, image, [target], CallShape.OneTarget, requiresGradient: true,
                    input => Run(model, each, input, progress, cancellationToken), cancellationToken)[0]);
            }
        }
        catch
        {
            foreach (var m in maps) m.Dispose();
            throw;
        }

        return maps;
    }
}
