using IGOSpp.Integration;
using IGOSpp.Internal;
using IGOSpp.Optimization;
using IGOSpp.Perturbation;

namespace IGOSpp;

/// <summary>
/// The settings that I-GOS (<see cref="IgosOptions"/>), iGOS+ (<see cref="IgosPlusOptions"/>) and iGOS++
/// (<see cref="IgosPlusPlusOptions"/>) share: the masks, the integrated gradient, the regularizer weights and the step
/// rule. The defaults are the iGOS++ paper's, so the three methods are comparable. Validated when an explainer is
/// created. Only the library's options records derive from it.
/// </summary>
public abstract record IgosOptionsBase
{
    private protected IgosOptionsBase()
    {
    }

    /// <summary>Side of the square mask(s) (h = w = MaskSize), ≥ 2 and ≤ the image's height and width. Default 28.</summary>
    public int MaskSize { get; init; } = 28;

    /// <summary>Number of optimization iterations, ≥ 1. Default 15.</summary>
    public int Iterations { get; init; } = 15;

    /// <summary>Number of path points S of the integrated gradient, ≥ 1 (≥ 2 for <see cref="QuadratureRule.Trapezoid"/>).
    /// Default 20 (10 in <see cref="IgosPlusPlusOptions"/>, which uses the trapezoid rule).</summary>
    public int IntegrationSteps { get; init; } = 20;

    /// <summary>
    /// How the integrated deletion and insertion scores and their gradients approximate the path integral (one rule for
    /// the gradient pass and every line-search trial). Each evaluation costs T·S model images per image (T integrated
    /// terms), whatever the rule. Default <see cref="QuadratureRule.RightRiemann"/>, the paper's α_k = k/S with weights
    /// 1/S (<see cref="IgosPlusPlusOptions"/> defaults to <see cref="QuadratureRule.Trapezoid"/>). <see cref="QuadratureRule.GaussLegendre"/> and <see cref="QuadratureRule.Trapezoid"/> with fewer
    /// <see cref="IntegrationSteps"/> cost fewer model passes; docs/performance.md measures them.
    /// </summary>
    public QuadratureRule Quadrature { get; init; } = QuadratureRule.RightRiemann;

    /// <summary>Weight λ1 of the L1 term mean|1 − M| (M = Mx⊙My for iGOS++), ≥ 0. Default 1.</summary>
    public double L1 { get; init; } = 1;

    /// <summary>Weight λ2 of the total variation term (bilateral for iGOS+ and iGOS++), ≥ 0. Default 20.</summary>
    public double L2 { get; init; } = 20;

    /// <summary>First step size of each line search (or the fixed step of the other optimizers), &gt; 0. Default 1000.</summary>
    public double InitialStepSize { get; init; } = 1000;

    /// <summary>Step rule. Default <see cref="OptimizerKind.LineSearch"/>.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.LineSearch;

    /// <summary>
    /// Early stop (see <see cref="MaskOptimizerOptions.EarlyStopTolerance"/>): an image stops iterating once the largest
    /// change of any of its mask cells was below this value in <see cref="EarlyStopIterations"/> consecutive iterations.
    /// Finite and &gt; 0, or null for no early stop (the paper runs all <see cref="Iterations"/>). Default null
    /// (1e-3 in <see cref="IgosPlusPlusOptions"/>).
    /// </summary>
    public double? EarlyStopTolerance { get; init; }

    /// <summary>How many consecutive iterations must change the masks by less than <see cref="EarlyStopTolerance"/>
    /// before an image stops, ≥ 1. Default 2. Ignored without a tolerance.</summary>
    public int EarlyStopIterations { get; init; } = 2;

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

    /// <summary>Seed of the path noise; null draws a new seed per call (not reproducible). Default null.</summary>
    public int? Seed { get; init; }

    /// <summary>The baseline Ĩ. Default a Gaussian blur (kernel 51, σ 50 at 224 px, scaled with the image size).</summary>
    public IBaseline Baseline { get; init; } = new GaussianBlurBaseline();

    /// <summary>Largest number of images per model pass (bounds memory), ≥ 1. Default 64.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>Exponent β ≥ 1 of the mask differences in the (bilateral) TV term. Default 2.</summary>
    public double TvBeta { get; init; } = 2;

    /// <summary>Where the masks start. Default <see cref="MaskInitialization.Ones"/> (the paper's: nothing deleted).</summary>
    public MaskInitialization InitialMask { get; init; } = MaskInitialization.Ones;

    /// <summary>
    /// The type the model passes (the integrated gradient's forward and backward passes and the line-search trials) run
    /// in. <see cref="ModelPrecision.BFloat16"/> and <see cref="ModelPrecision.Float16"/> use libtorch's autocast: the
    /// convolutions and matrix products run in the reduced type on casts of the model's float32 weights, which are
    /// freed after each pass; the model itself is not changed. Masks, accumulated gradients, scores, the line search and
    /// the regularizer stay float32. Float16 needs a CUDA device. Default <see cref="ModelPrecision.Float32"/>.
    /// </summary>
    public ModelPrecision Precision { get; init; } = ModelPrecision.Float32;

    /// <summary>
    /// Throughput mode: when explaining several images in one call, a model pass packs the path images of consecutive
    /// images up to <see cref="MaxBatchSize"/> instead of holding one image's path images only (see
    /// <see cref="Integration.IntegratedGradient.BatchAcrossImages"/>). It helps where one image's T·S path images (4·S for
    /// iGOS++) do not fill an efficient pass: small models, GPUs, a large <see cref="MaxBatchSize"/>. The maps are then
    /// not bit-for-bit equal to the same images explained one at a time: the scores differ by rounding, and a line
    /// search can take another branch on such a difference. The model must treat the images of a batch independently
    /// (eval-mode batch normalization). Default false.
    /// </summary>
    public bool BatchAcrossImages { get; init; }

    /// <summary>
    /// The behaviour before 2026-12 (kept for comparisons in tests and the evaluation runner, not a public option): one path
    /// noise draw per iteration, shared by the gradient pass, every line-search trial and all terms, instead of new noise
    /// per evaluation and per term. On models whose score collapses under the noise it makes the Armijo test
    /// deterministic and stalls the line search (docs/methods.md).
    /// </summary>
    internal bool ShareNoiseAcrossEvaluations { get; init; }

    /// <summary>Whether each line search after the first starts from the previous accepted step (see
    /// <see cref="IgosPlusPlusOptions.LineSearchWarmStart"/>).</summary>
    private protected virtual bool WarmStart => false;

    /// <summary>These options with the paper's settings shared by I-GOS, iGOS+ and iGOS++ (mask 28, 15 iterations, S = 20
    /// right Riemann sum, NoiseStd 0.2, λ1 1, λ2 20, β 2, the line search from 1000 with the paper's Armijo constants, no
    /// early stop); the <c>Paper</c> presets add each method's own.</summary>
    private protected IgosOptionsBase WithPaperSettings() => this with
    {
        MaskSize = 28,
        Iterations = 15,
        IntegrationSteps = 20,
        Quadrature = Integration.QuadratureRule.RightRiemann,
        NoiseStd = 0.2,
        L1 = 1,
        L2 = 20,
        TvBeta = 2,
        InitialStepSize = 1000,
        ArmijoBeta = 1e-4,
        StepDecay = 0.2,
        MinStepSize = 1e-5,
        Optimizer = OptimizerKind.LineSearch,
        EarlyStopTolerance = null,
    };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> (or <see cref="ArgumentNullException"/>) naming the first
    /// invalid setting as <c>options.Name</c>.</summary>
    /// <param name="paramName">Name to report for the options object.</param>
    public void Validate(string paramName = "options")
    {
        OptionCheck.Require(MaskSize >= 2, paramName, nameof(MaskSize), MaskSize, "must be ≥ 2");
        OptionCheck.Require(IntegrationSteps >= 1, paramName, nameof(IntegrationSteps), IntegrationSteps, "must be ≥ 1");
        OptionCheck.Require(Enum.IsDefined(Quadrature), paramName, nameof(Quadrature), Quadrature, "is not a known quadrature rule");
        OptionCheck.Require(Quadrature != QuadratureRule.Trapezoid || IntegrationSteps >= 2, paramName, nameof(IntegrationSteps), IntegrationSteps,
            "must be ≥ 2 for the trapezoid rule");
        OptionCheck.Require(L1 >= 0 && double.IsFinite(L1), paramName, nameof(L1), L1, "must be finite and ≥ 0");
        OptionCheck.Require(L2 >= 0 && double.IsFinite(L2), paramName, nameof(L2), L2, "must be finite and ≥ 0");
        OptionCheck.Require(NoiseStd >= 0 && double.IsFinite(NoiseStd), paramName, nameof(NoiseStd), NoiseStd, "must be finite and ≥ 0");
        OptionCheck.Require(TvBeta >= 1 && double.IsFinite(TvBeta), paramName, nameof(TvBeta), TvBeta, "must be finite and ≥ 1");
        ValidateMethod(paramName);
        OptionCheck.Require(Enum.IsDefined(Score), paramName, nameof(Score), Score, "is not a known score function");
        OptionCheck.Require(Enum.IsDefined(Precision), paramName, nameof(Precision), Precision, "is not a known precision");
        OptionCheck.Require(MaxBatchSize >= 1, paramName, nameof(MaxBatchSize), MaxBatchSize, "must be ≥ 1");
        OptionCheck.RequireNotNull(Baseline, paramName, nameof(Baseline));
        OptionCheck.RequireNotNull(InitialMask, paramName, nameof(InitialMask));
        InitialMask.Validate($"{paramName}.{nameof(InitialMask)}");
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
        LineSearchWarmStart = WarmStart,
        EarlyStopTolerance = EarlyStopTolerance,
        EarlyStopIterations = EarlyStopIterations,
    };

    /// <summary>Checks the settings only one method has (same rules and exceptions as <see cref="Validate"/>).</summary>
    private protected abstract void ValidateMethod(string paramName);

    /// <summary>The family member these options configure.</summary>
    internal abstract IgosMethod ToMethod();
}
