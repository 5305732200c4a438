using IGOSpp.Integration;
using IGOSpp.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Evaluation;

/// <summary>A map derived from one explanation that the metric scores (e.g. iGOS++'s combined mask, or Mx alone).</summary>
internal sealed record Variant(string Title, Func<SaliencyMap, Tensor> Saliency);

/// <summary>An explainer configuration of the evaluation.</summary>
internal sealed record MethodSpec(string Key, string Title, string Resolution, string Settings,
    Func<nn.Module<Tensor, Tensor>, int, IExplainer> Create, IReadOnlyList<Variant> Variants);

/// <summary>Every method the evaluation runner knows, with the settings used for docs/results.md.</summary>
internal static class MethodCatalog
{
    /// <summary>The early stop's tolerance of the igospp28-early key (max |ΔM| per iteration).</summary>
    private const double EarlyStopTolerance = 1e-3;

    /// <summary>
    /// What every iGOS++ key starts from: the defaults before 2026-12-03 (the paper's settings with the line-search warm
    /// start: S = 20 right Riemann sum, no early stop). The keys' settings strings, which the logs store and --resume
    /// matches, describe changes from these, so "igospp28" ("defaults (15 it, S 20, ...)") keeps meaning what its logs
    /// measured; today's defaults are the key igospp28-trap10-early.
    /// </summary>
    private static IgosPlusPlusOptions Before2026_12 => IgosPlusPlusOptions.Paper with { LineSearchWarmStart = true };

    private static Variant Combined(string title) => new(title, m => m.Saliency);

    /// <param name="imageSize">Side of the model's input images (full-resolution methods report it).</param>
    /// <param name="gradCamLayer">Grad-CAM's target module, or null for the model's last Conv2d.</param>
    /// <param name="noiseStd">NoiseStd of the I-GOS family (the paper's 0.2 is in ImageNet-normalized units; a model on
    /// another input scale needs the same noise in its own units, e.g. 11.5 on a 0–255 input). Keys that vary the
    /// noise scale this value.</param>
    public static IEnumerable<MethodSpec> All(int imageSize, string? gradCamLayer = null, double noiseStd = 0.2)
    {
        var noise = noiseStd.ToString("G3", System.Globalization.CultureInfo.InvariantCulture);
        var noiseNote = noiseStd == 0.2 ? "" : $", NoiseStd {noise}";
        var full = $"{imageSize}×{imageSize} (full)";
        MethodSpec Igos(string key, string title, int mask, string settings, Func<IgosPlusPlusOptions, IgosPlusPlusOptions> change,
            bool masks = false, bool reference = false)
        {
            var variants = new List<Variant> { Combined(title) };
            if (masks)
            {
                variants.Add(new Variant($"{title}: Mx only", m => 1 - m.DeletionMask!));
                variants.Add(new Variant($"{title}: My only", m => 1 - m.InsertionMask!));
            }

            return new MethodSpec(key, title, $"{mask}×{mask}", settings,
                (model, seed) => new IgosPlusPlusExplainer(model, change(Before2026_12 with { MaskSize = mask, Seed = seed, NoiseStd = noiseStd })) { ObjectiveSeam = reference ? ReferenceLoopObjective.Seam : null },
                variants);
        }

        yield return Igos("igospp28", "iGOS++", 28, "defaults (15 it, S 20, L1 1, L2 20, line search with warm start)" + noiseNote, o => o, masks: true);
        yield return Igos("igospp7", "iGOS++", 7, "defaults" + noiseNote, o => o, masks: true);
        if (imageSize > 28) yield return Igos($"igospp{imageSize}", "iGOS++", imageSize, "defaults" + noiseNote, o => o, masks: true);
        MethodSpec Other(string key, string title, string resolution, string settings, Func<nn.Module<Tensor, Tensor>, int, IExplainer> create) =>
            new(key, title, resolution, settings, create, [Combined(title)]);

        yield return Other("igos28", "I-GOS", "28×28", "defaults (as iGOS++, plain TV)" + noiseNote, (m, seed) => new IgosExplainer(m, new IgosOptions { MaskSize = 28, Seed = seed, NoiseStd = noiseStd }));
        yield return Other("igos7", "I-GOS", "7×7", "defaults" + noiseNote, (m, seed) => new IgosExplainer(m, new IgosOptions { MaskSize = 7, Seed = seed, NoiseStd = noiseStd }));
        yield return Other("igosplus28", "iGOS+", "28×28", "defaults (one mask, BTV)" + noiseNote, (m, seed) => new IgosPlusExplainer(m, new IgosPlusOptions { MaskSize = 28, Seed = seed, NoiseStd = noiseStd }));
        if (imageSize > 28) yield return Other($"igos{imageSize}", "I-GOS", $"{imageSize}×{imageSize}", "defaults" + noiseNote, (m, seed) => new IgosExplainer(m, new IgosOptions { MaskSize = imageSize, Seed = seed, NoiseStd = noiseStd }));
        yield return Other("igosplus7", "iGOS+", "7×7", "defaults" + noiseNote, (m, seed) => new IgosPlusExplainer(m, new IgosPlusOptions { MaskSize = 7, Seed = seed, NoiseStd = noiseStd }));
        yield return Other("mask28", "Mask (Fong & Vedaldi)", "28×28", "defaults (Adam, 300 it)", (m, seed) => new MeaningfulPerturbationExplainer(m, new MeaningfulPerturbationOptions { MaskSize = 28, Seed = seed }));
        yield return Other("rise", "RISE", full, $"defaults ({new RiseOptions().ResolveMaskCount(imageSize)} masks at {imageSize} px, 7×7 grid, p 0.5)", (m, seed) => new RiseExplainer(m, new RiseOptions { Seed = seed }));
        yield return Other("ig", "Integrated Gradients", full, "defaults (50 Gauss–Legendre steps, blur baseline)", (m, _) => new IntegratedGradientsExplainer(m));
        yield return Other("gradcam", "Grad-CAM", gradCamLayer is null ? "last conv layer" : $"layer {gradCamLayer}", gradCamLayer is null ? "defaults (last Conv2d)" : $"TargetLayer {gradCamLayer}",
            (m, _) => new GradCamExplainer(m, new GradCamOptions { TargetLayer = gradCamLayer }));
        yield return Igos("igospp28-nonoise", "iGOS++ no noise", 28, "NoiseStd 0", o => o with { NoiseStd = 0 });
        yield return Igos("igospp28-tv", "iGOS++ TV instead of BTV", 28, "BilateralTV false", o => o with { BilateralTV = false });
        yield return Igos("igospp28-fixed", "iGOS++ fixed step", 28, "FixedStep, step 1.6 (the median step the line search accepts here)", o => o with { Optimizer = OptimizerKind.FixedStep, InitialStepSize = 1.6 });
        // The fashion-mnist-loop table of docs/results.md compares the loops with the paper's line search (the default
        // when it was run) and the warm start; these keys reproduce it.
        yield return Igos("igospp28-reference", "iGOS++ reference loop (unfused, L(M) recomputed)", 28, "internal ReferenceLoop, LineSearchWarmStart false", o => o with { LineSearchWarmStart = false }, reference: true);
        yield return Igos("igospp28-warm", "iGOS++ line-search warm start", 28, "LineSearchWarmStart (the default since 2026-11-27)", o => o with { LineSearchWarmStart = true });
        yield return Igos("igospp28-cold", "iGOS++ paper's line search (no warm start)", 28, "LineSearchWarmStart false" + noiseNote, o => o with { LineSearchWarmStart = false });
        // The line-search issue (docs/methods.md): the noise semantics before 2026-12 (one draw per iteration for the
        // gradient pass, every trial and every term), and smaller path noise on the noise-fragile model.
        yield return Igos("igospp28-shared", "iGOS++ noise shared per iteration (before 2026-12)", 28, "internal ShareNoiseAcrossEvaluations" + noiseNote, o => o with { ShareNoiseAcrossEvaluations = true });
        var half = (noiseStd / 2).ToString("G3", System.Globalization.CultureInfo.InvariantCulture);
        var quarter = (noiseStd / 4).ToString("G3", System.Globalization.CultureInfo.InvariantCulture);
        yield return Igos("igospp28-halfnoise", $"iGOS++ NoiseStd {half}", 28, $"NoiseStd {half} (half the noise)", o => o with { NoiseStd = noiseStd / 2 });
        // Fewer model passes (issue 19): other quadrature rules with fewer path points than the paper's S = 20 right
        // Riemann sum, and the early stop (docs/performance.md).
        yield return Igos("igospp28-gl5", "iGOS++ Gauss–Legendre S 5", 28, "Quadrature GaussLegendre, IntegrationSteps 5" + noiseNote, o => o with { Quadrature = QuadratureRule.GaussLegendre, IntegrationSteps = 5 });
        yield return Igos("igospp28-gl10", "iGOS++ Gauss–Legendre S 10", 28, "Quadrature GaussLegendre, IntegrationSteps 10" + noiseNote, o => o with { Quadrature = QuadratureRule.GaussLegendre, IntegrationSteps = 10 });
        yield return Igos("igospp28-trap5", "iGOS++ trapezoid S 5", 28, "Quadrature Trapezoid, IntegrationSteps 5" + noiseNote, o => o with { Quadrature = QuadratureRule.Trapezoid, IntegrationSteps = 5 });
        yield return Igos("igospp28-trap10", "iGOS++ trapezoid S 10", 28, "Quadrature Trapezoid, IntegrationSteps 10" + noiseNote, o => o with { Quadrature = QuadratureRule.Trapezoid, IntegrationSteps = 10 });
        yield return Igos("igospp28-early", "iGOS++ early stop", 28, $"EarlyStopTolerance {EarlyStopTolerance.ToString(System.Globalization.CultureInfo.InvariantCulture)}, EarlyStopIterations 2" + noiseNote,
            o => o with { EarlyStopTolerance = EarlyStopTolerance, EarlyStopIterations = 2 });
        yield return Igos("igospp28-trap10-early", "iGOS++ trapezoid S 10 + early stop", 28,
            $"Quadrature Trapezoid, IntegrationSteps 10, EarlyStopTolerance {EarlyStopTolerance.ToString(System.Globalization.CultureInfo.InvariantCulture)}, EarlyStopIterations 2" + noiseNote,
            o => o with { Quadrature = QuadratureRule.Trapezoid, IntegrationSteps = 10, EarlyStopTolerance = EarlyStopTolerance, EarlyStopIterations = 2 });
        yield return Igos("igospp28-bf16", "iGOS++ bfloat16 model passes", 28, "Precision BFloat16 (autocast)" + noiseNote, o => o with { Precision = ModelPrecision.BFloat16 });
        yield return Igos("igospp28-quarternoise", $"iGOS++ NoiseStd {quarter}", 28, $"NoiseStd {quarter} (a quarter of the noise)", o => o with { NoiseStd = noiseStd / 4 });
    }
}
