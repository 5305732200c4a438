using FluentAssertions;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

/// <summary>The comparison methods leave no tensors behind and restore the model's training flag.</summary>
public sealed class ComparisonMethodResourceTests
{
    public static IEnumerable<TestCaseData> Explainers()
    {
        yield return new TestCaseData("I-GOS", (Func<nn.Module<Tensor, Tensor>, IExplainer>)(m =>
            new IgosExplainer(m, new IgosOptions { MaskSize = 4, Iterations = 2, IntegrationSteps = 2, Seed = 1 })));
        yield return new TestCaseData("iGOS+", (Func<nn.Module<Tensor, Tensor>, IExplainer>)(m =>
            new IgosPlusExplainer(m, new IgosPlusOptions { MaskSize = 4, Iterations = 2, IntegrationSteps = 2, Seed = 1 })));
        yield return new TestCaseData("Integrated Gradients", (Func<nn.Module<Tensor, Tensor>, IExplainer>)(m =>
            new IntegratedGradientsExplainer(m, new IntegratedGradientsOptions { IntegrationSteps = 4, Resolution = 3 })));
        yield return new TestCaseData("Grad-CAM", (Func<nn.Module<Tensor, Tensor>, IExplainer>)(m => new GradCamExplainer(m)));
        yield return new TestCaseData("RISE", (Func<nn.Module<Tensor, Tensor>, IExplainer>)(m =>
            new RiseExplainer(m, new RiseOptions { MaskCount = 20, Seed = 1 })));
        yield return new TestCaseData("Mask", (Func<nn.Module<Tensor, Tensor>, IExplainer>)(m =>
            new MeaningfulPerturbationExplainer(m, new MeaningfulPerturbationOptions { MaskSize = 4, Iterations = 2, Seed = 1 })));
    }

    [TestCaseSource(nameof(Explainers))]
    public void Explain_ManyTimes_LeavesNoLiveTensorsAndRestoresTraining(string method, Func<nn.Module<Tensor, Tensor>, IExplainer> create)
    {
        using var model = TestModels.SmallCnn();
        model.train();
        using var images = torch.randn(2, 1, 12, 12);
        using var first = images[0];
        using var explainer = create(model);
        foreach (var m in explainer.Explain(images, [1L, 2L])) m.Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 20; i++)
            foreach (var m in explainer.Explain(images, [i % 10, 3L])) m.Dispose();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        FluentActions.Invoking(() => explainer.Explain(first, 1, null, cts.Token)).Should().Throw<OperationCanceledException>();

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        model.training.Should().BeTrue();
        explainer.Method.Should().Be(method);
    }
}
