using IGOSpp.Integration;
using IGOSpp.Internal;
using IGOSpp.Perturbation;

namespace IGOSpp;

/// <summary>Settings of <see cref="IntegratedGradientsExplainer"/>. Validated when an explainer is created.</summary>
public sealed record IntegratedGradientsOptions
{
    /// <summary>Number of path points S, ≥ 1 (≥ 2 for <see cref="QuadratureRule.Trapezoid"/>). Default 50.</summary>
    public int IntegrationSteps { get; init; } = 50;

    /// <summary>How the path integral is approximated. Default <see cref="QuadratureRule.GaussLegendre"/> (the most
    /// accurate for a given S; captum's default).</summary>
    public QuadratureRule Quadrature { get; init; } = QuadratureRule.GaussLegendre;

    /// <summary>The baseline x'. Default the iGOS++ Gaussian blur; <c>new ConstantBaseline(0)</c> gives the paper's
    /// black (zero) image.</summary>
    public IBaseline Baseline { get; init; } = new GaussianBlurBaseline();

    /// <summary>Side r of the saliency map (the attribution magnitude average-pooled to r×r), ≥ 1 and ≤ the image's
    /// height and width; null = the image's resolution. Default null.</summary>
    public int? Resolution { get; init; }

    /// <summary>Largest number of path images per model pass, ≥ 1. Default 64.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>The differentiated class score f. Default <see cref="ScoreFunction.Softmax"/>; completeness holds for it.</summary>
    public ScoreFunction Score { get; init; } = ScoreFunction.Softmax;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> (or <see cref="ArgumentNullException"/>) naming the first
    /// invalid setting as <c>options.Name</c>.</summary>
    /// <param name="paramName">Name to report for the options object.</param>
    public void Validate(string paramName = "options")
    {
        OptionCheck.Require(Enum.IsDefined(Quadrature), paramName, nameof(Quadrature), Quadrature, "is not a known quadrature rule");
        OptionCheck.Require(IntegrationSteps >= (Quadrature == QuadratureRule.Trapezoid ? 2 : 1), paramName, nameof(IntegrationSteps), IntegrationSteps,
            "must be ≥ 1 (≥ 2 for the trapezoid rule)");
        OptionCheck.Require(Resolution is null or >= 1, paramName, nameof(Resolution), Resolution, "must be null or ≥ 1");
        OptionCheck.Require(MaxBatchSize >= 1, paramName, nameof(MaxBatchSize), MaxBatchSize, "must be ≥ 1");
        OptionCheck.Require(Enum.IsDefined(Score), paramName, nameof(Score), Score, "is not a known score function");
        OptionCheck.RequireNotNull(Baseline, paramName, nameof(Baseline));
    }
}
