using IGOSpp.Internal;
using IGOSpp.Optimization;
using IGOSpp.Perturbation;

namespace IGOSpp;

/// <summary>
/// Settings of <see cref="IgosPlusExplainer"/> (iGOS+: one mask optimized for deletion and insertion with a bilateral TV, the
/// single-mask variant in Khorram, Lawson, Li, CHIL 2021). The defaults are those of iGOS++
/// (same mask size, iterations, integration steps, regularizer weights and line search), so the two are comparable.
/// Validated when an explainer is created.
/// </summary>
public sealed record IgosPlusOptions
{
    /// <summary>Side of the square mask M, ≥ 2 and ≤ the image's height and width. Default 28.</summary>
    public int MaskSize { get; init; } = 28;

    /// <summary>Number of optimization iterations, ≥ 1. Default 15.</summary>
    public int Iterations { get; init; } = 15;

    /// <summary>Number of path points S of the integrated gradient, ≥ 1. Default 20.</summary>
    public int IntegrationSteps { get; init; } = 20;

    /// <summary>Weight λ1 of mean|1 − M|, ≥ 0. Default 1.</summary>
    public double L1 { get; init; } = 1;

    /// <summary>Weight λ2 of the bilateral total variation BTV(M), ≥ 0. Default 20.</summary>
    public double L2 { get; init; } = 20;

    /// <summary>σ of the bilateral TV edge weights exp(−d²/σ), &gt; 0. Default 0.01.</summary>
    public double BtvSigma { get; init; } = 0.01;

    /// <summary>Exponent β ≥ 1 of the mask differences in the TV terms. Default 2.</summary>
    public double TvBeta { get; init; } = 2;

    /// <summary>First step size of each line search (or the fixed step of the other optimizers), &gt; 0. Default 1000.</summary>
    public double InitialStepSize { get; init; } = 1000;

    /// <summary>Step rule. Default <see cref="OptimizerKind.LineSearch"/>.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.LineSearch;

    /// <summary>Armijo constant, in (0,1). Default 1e-4.</summary>
    public double ArmijoBeta { get; init; } = 1e-4;

    /// <summary>Factor by which a rejected line-search step shrinks, in (0,1). Default 0.2.</summary>
    public double StepDecay { get; init; } = 0.2;

    /// <summary>The line search stops shrinking below this step, &gt; 0. Default 1e-5.</summary>
    public double MinStepSize { get; init; } = 1e-5;

    /// <summary>σ of the Gaussian noise added to every path image, ≥ 0 (0 = no noise). Default 0.2.</summary>
    public double NoiseStd { get; init; } = 0.2;

    /// <summary>How logits become the class score. Default <see cref="ScoreFunction.Softmax"/>.</summary>
    public ScoreFunction Score { get; init; } = ScoreFunction.Softmax;

    /// <summary>Seed of the path noise; null draws a new seed per call. Default null.</summary>
    public int? Seed { get; init; }

    /// <summary>The baseline Ĩ. Default the iGOS++ Gaussian blur (51 px, σ 50 at 224 px, scaled).</summary>
    public IBaseline Baseline { get; init; } = new GaussianBlurBaseline();

    /// <summary>Largest number of images per model pass, ≥ 1. Default 64.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> (or <see cref="ArgumentNullException"/>) naming the first
    /// invalid setting as <c>options.Name</c>.</summary>
    /// <param name="paramName">Name to report for the options object.</param>
    public void Validate(string paramName = "options")
    {
        OptionCheck.Require(MaskSize >= 2, paramName, nameof(MaskSize), MaskSize, "must be ≥ 2");
        OptionCheck.Require(IntegrationSteps >= 1, paramName, nameof(IntegrationSteps), IntegrationSteps, "must be ≥ 1");
        OptionCheck.Require(L1 >= 0 && double.IsFinite(L1), paramName, nameof(L1), L1, "must be finite and ≥ 0");
        OptionCheck.Require(L2 >= 0 && double.IsFinite(L2), paramName, nameof(L2), L2, "must be finite and ≥ 0");
        OptionCheck.Require(TvBeta >= 1 && double.IsFinite(TvBeta), paramName, nameof(TvBeta), TvBeta, "must be finite and ≥ 1");
        OptionCheck.Require(BtvSigma > 0 && double.IsFinite(BtvSigma), paramName, nameof(BtvSigma), BtvSigma, "must be finite and > 0");
        OptionCheck.Require(NoiseStd >= 0 && double.IsFinite(NoiseStd), paramName, nameof(NoiseStd), NoiseStd, "must be finite and ≥ 0");
        OptionCheck.Require(Enum.IsDefined(Score), paramName, nameof(Score), Score, "is not a known score function");
        OptionCheck.Require(MaxBatchSize >= 1, paramName, nameof(MaxBatchSize), MaxBatchSize, "must be ≥ 1");
        OptionCheck.RequireNotNull(Baseline, paramName, nameof(Baseline));
        ToOptimizerOptions().Validate(paramName);
    }

    /// <summary>The mask optimizer settings these options imply.</summary>
    public MaskOptimizerOptions ToOptimizerOptions() => new()
    {
        Iterations = Iterations,
        Optimizer = Optimizer,
        InitialStepSize = InitialStepSize,
        ArmijoBeta = ArmijoBeta,
        StepDecay = StepDecay,
        MinStepSize = MinStepSize,
    };

    internal SingleMaskSettings ToSettings() => new(IgosPlusExplainer.MethodName, InsertionTerm: true, BilateralTV: true, MaskSize,
        IntegrationSteps, L1, L2, NoiseStd, BtvSigma, TvBeta, Score, Seed, Baseline, MaxBatchSize, ToOptimizerOptions());
}
