using FluentAssertions;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

/// <summary>Native memory and model state: nothing is left behind, nothing of the caller's is changed.</summary>
public sealed class IgosPlusPlusResourceTests
{
    [Test]
    public void Explain_TwoHundredTimes_LeavesNoLiveTensors()
    {
        using var model = TestModels.SmallCnn();
        using var image = torch.randn(1, 12, 12);
        using var explainer = new IgosPlusPlusExplainer(model,
            new IgosPlusPlusOptions { MaskSize = 4, Iterations = 2, IntegrationSteps = 2, Seed = 3 });
        // Warm up once (TorchSharp caches a few tensors on first use).
        explainer.Explain(image, 1).Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 200; i++)
            explainer.Explain(image, i % 10).Dispose();

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Test]
    public void Explain_FailingCall_LeavesNoLiveTensors()
    {
        using var model = TestModels.SmallCnn();
        using var image = torch.randn(1, 12, 12);
        using var explainer = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 4, Iterations = 1, IntegrationSteps = 2 });
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        FluentActions.Invoking(() => explainer.Explain(image, 99)).Should().Throw<ArgumentOutOfRangeException>();

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Explain_RestoresTrainingFlagAndRequiresGrad_AndParametersGetNoGradients(bool training)
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        model.train(training);
        var drop = model.named_modules().Single(m => m.name == "drop").module;
        drop.eval(); // a mixed state must come back exactly
        var parameters = model.parameters().ToArray();
        parameters[0].requires_grad = false;
        var requiresGrad = parameters.Select(p => p.requires_grad).ToArray();
        var image = torch.randn(1, 12, 12);

        using (var map = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 4, Iterations = 2, IntegrationSteps = 3 })
                   .Explain(image, 2))
            map.Mask.Should().BeInRange(0, 1);

        model.training.Should().Be(training);
        drop.training.Should().BeFalse();
        model.named_modules().Where(m => m.name != "drop").Should().OnlyContain(m => m.module.training == training);
        parameters.Select(p => p.requires_grad).Should().Equal(requiresGrad);
        parameters.Select(p => p.grad is null ? 0f : p.grad.abs().sum().item<float>()).Should().OnlyContain(g => g == 0);
    }

    [Test]
    public void Explain_ModelThrows_StillRestoresTrainingFlag()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new ThrowingModel();
        model.train();
        FluentActions.Invoking(() => new IgosPlusPlusExplainer(model).Explain(torch.randn(1, 8, 8), 0))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "image" && e.Message.Contains("model failed"));
        model.training.Should().BeTrue();
    }

    private sealed class ThrowingModel() : nn.Module<Tensor, Tensor>(nameof(ThrowingModel))
    {
        public override Tensor forward(Tensor x) => throw new InvalidOperationException("boom");
    }
}
