using FluentAssertions;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

/// <summary>The paper's ablations of iGOS++ are options; each runs and changes the result.</summary>
public sealed class IgosPlusPlusAblationTests
{
    public static IEnumerable<TestCaseData> Ablations()
    {
        yield return new TestCaseData("NoiseStd = 0", (Func<IgosPlusPlusOptions, IgosPlusPlusOptions>)(o => o with { NoiseStd = 0 }));
        yield return new TestCaseData("FixedStep", (Func<IgosPlusPlusOptions, IgosPlusPlusOptions>)(o => o with { Optimizer = OptimizerKind.FixedStep, InitialStepSize = 5 }));
        yield return new TestCaseData("TV instead of BTV", (Func<IgosPlusPlusOptions, IgosPlusPlusOptions>)(o => o with { BilateralTV = false }));
    }

    [TestCaseSource(nameof(Ablations))]
    public void Explain_Ablation_RunsAndDiffersFromDefault(string name, Func<IgosPlusPlusOptions, IgosPlusPlusOptions> ablate)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(28, 6, 14, 8);
        var image = model.MakeImage();
        var options = new IgosPlusPlusOptions { MaskSize = 14, Iterations = 3, IntegrationSteps = 5, Seed = 3 };

        using var reference = new IgosPlusPlusExplainer(model, options).Explain(image, 1);
        using var ablated = new IgosPlusPlusExplainer(model, ablate(options)).Explain(image, 1);

        ablated.Mask.Should().BeInRange(0, 1);
        ablated.DeletionMask!.Should().BeInRange(0, 1);
        ablated.InsertionMask!.Should().BeInRange(0, 1);
        (ablated.Mask - reference.Mask).abs().max().item<float>().Should().BeGreaterThan(1e-6f, name + " must change the masks");
    }
}
