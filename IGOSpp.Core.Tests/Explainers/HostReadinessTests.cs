using FluentAssertions;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

/// <summary>Cancellation, progress, threads, soak and hostile inputs: what a host application relies on.</summary>
public sealed class HostReadinessTests
{
    // No early stop: the tests below count iterations (the defaults' early stop would end some of these random-model runs).
    private static readonly IgosPlusPlusOptions Tiny = new() { MaskSize = 4, Iterations = 3, IntegrationSteps = 3, Seed = 17, EarlyStopTolerance = null };

    private sealed class SyncProgress(Action<ExplanationProgress> onReport) : IProgress<ExplanationProgress>
    {
        public void Report(ExplanationProgress value) => onReport(value);
    }

    [Test]
    public void Explain_Progress_ReportsEveryIterationInOrder()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        var reports = new List<ExplanationProgress>();
        using var explainer = new IgosPlusPlusExplainer(model, Tiny with { Iterations = 4 });

        using var map = explainer.Explain(torch.randn(1, 12, 12), 2, new SyncProgress(reports.Add));

        reports.Select(r => r.Iteration).Should().Equal(1, 2, 3, 4);
        reports.Should().OnlyContain(r => r.TotalIterations == 4 && double.IsFinite(r.Loss));
        reports.Select(r => r.Elapsed).Should().BeInAscendingOrder();
    }

    [Test]
    public void Explain_CancelledDuringOptimization_ThrowsAndLeavesNothingBehind()
    {
        using var model = TestModels.SmallCnn();
        model.train();
        using var image = torch.randn(1, 12, 12);
        using var explainer = new IgosPlusPlusExplainer(model, Tiny with { Iterations = 10 });
        explainer.Explain(image, 1).Dispose(); // warm-up
        using var cts = new CancellationTokenSource();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var reports = 0;

        FluentActions.Invoking(() => explainer.Explain(image, 1, new SyncProgress(_ => { if (++reports == 2) cts.Cancel(); }), cts.Token))
            .Should().Throw<OperationCanceledException>();

        reports.Should().Be(2);
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
        model.training.Should().BeTrue("the model's state is restored also when an explanation is cancelled");
    }

    [Test]
    public void Explain_AlreadyCancelled_ThrowsBeforeAnyWork()
    {
        using var model = TestModels.SmallCnn();
        using var image = torch.randn(1, 12, 12);
        using var explainer = new IgosPlusPlusExplainer(model, Tiny);
        FluentActions.Invoking(() => explainer.Explain(image, 1, null, new CancellationToken(true)))
            .Should().Throw<OperationCanceledException>();
    }

    [Test]
    public void Explain_FourThreadsSharingOneModel_EqualSequentialResults()
    {
        using var model = TestModels.SmallCnn();
        torch.manual_seed(31);
        var images = Enumerable.Range(0, 25).Select(_ => torch.randn(1, 12, 12)).ToArray();
        float[][] Run(int i)
        {
            using var explainer = new IgosPlusPlusExplainer(model, Tiny with { Seed = i });
            using var map = explainer.Explain(images[i], i % 10);
            return [map.Mask.data<float>().ToArray(), map.DeletionMask!.data<float>().ToArray()];
        }

        var sequential = Enumerable.Range(0, 25).Select(Run).ToArray();
        var concurrent = new float[4][][][];
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            concurrent[t] = Enumerable.Range(0, 25).Select(Run).ToArray();
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();

        for (var t = 0; t < 4; t++)
            for (var i = 0; i < 25; i++)
            {
                concurrent[t][i][0].Should().Equal(sequential[i][0], $"thread {t}, image {i}");
                concurrent[t][i][1].Should().Equal(sequential[i][1], $"thread {t}, image {i}");
            }

        model.training.Should().BeTrue("SmallCnn starts in training mode and is restored after the last explanation");
        foreach (var image in images) image.Dispose();
    }

    [Test]
    [Category("Soak")]
    public void Explain_TwoThousandTimes_LiveTensorCountReturnsToStart()
    {
        using var model = TestModels.SmallCnn();
        using var image = torch.randn(1, 8, 8);
        using var explainer = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 2, Iterations = 3, IntegrationSteps = 2, Seed = 1 });
        explainer.Explain(image, 0).Dispose();
        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (var i = 0; i < 2000; i++) explainer.Explain(image, i % 10).Dispose();

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Test]
    public void Explain_NonContiguousAndChannelsLastViews_WorkAndEqualContiguousInput()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn(channels: 3);
        torch.manual_seed(8);
        var image = torch.randn(1, 3, 12, 12);
        var transposed = image.transpose(2, 3).contiguous().transpose(2, 3); // same values, non-contiguous strides
        var channelsLast = image.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2); // NHWC memory: channels-last strides
        using var explainer = new IgosPlusPlusExplainer(model, Tiny);

        using var reference = explainer.Explain(image, 1);
        using var fromTransposed = explainer.Explain(transposed, 1);
        using var fromChannelsLast = explainer.Explain(channelsLast, 1);

        transposed.is_contiguous().Should().BeFalse();
        fromTransposed.Mask.Should().BeEqualTo(reference.Mask);
        fromChannelsLast.Mask.Should().BeCloseTo(reference.Mask, rtol: 1e-5, atol: 1e-6);
    }

    [Test]
    public void Explain_ImageOnAnotherDeviceThanModel_ThrowsNamingBothDevices()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        var image = torch.empty([1, 12, 12], device: META);
        FluentActions.Invoking(() => new IgosPlusPlusExplainer(model, Tiny).Explain(image, 1))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "image" && e.Message.Contains("meta") && e.Message.Contains("cpu"));
    }

    [Test]
    public void Explain_ImageLargerThanTheModelAccepts_ThrowsNamingImage()
    {
        using var scope = torch.NewDisposeScope();
        using var model = nn.Sequential(nn.Flatten(), nn.Linear(144, 10));
        FluentActions.Invoking(() => new IgosPlusPlusExplainer(model, Tiny).Explain(torch.randn(1, 16, 16), 1))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "image" && e.Message.Contains("model failed") && e.Message.Contains("[1,1,16,16]"));
    }

    [Test]
    public void Explain_ModelReturningNaNOnPerturbedImages_ThrowsNamingTheModel()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new NaNWhenPerturbed();
        FluentActions.Invoking(() => new IgosPlusPlusExplainer(model, Tiny).Explain(torch.ones(1, 8, 8), 1))
            .Should().Throw<ArgumentException>().Where(e => e.ParamName == "model" && e.Message.Contains("NaN"));
    }

    [Test]
    public void Explain_SettingsNeedingMoreMemoryThanExists_FailFastWithTheEstimate()
    {
        using var scope = torch.NewDisposeScope();
        using var model = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1, 3));
        var options = new IgosPlusPlusOptions { MaskSize = 28, IntegrationSteps = 5000, MaxBatchSize = 100_000, Iterations = 1 };
        FluentActions.Invoking(() => new IgosPlusPlusExplainer(model, options).Explain(torch.zeros(1, 2000, 2000), 1))
            .Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "options.MaxBatchSize" && e.Message.Contains("GB"));
    }

    /// <summary>Fine on the unperturbed all-ones image, NaN as soon as any pixel differs from 1.</summary>
    private sealed class NaNWhenPerturbed() : nn.Module<Tensor, Tensor>(nameof(NaNWhenPerturbed))
    {
        public override Tensor forward(Tensor x)
        {
            using var scope = torch.NewDisposeScope();
            var perturbed = (x - 1).abs().flatten(1).amax([1]) > 1e-6;
            var logits = torch.stack([x.flatten(1).mean([1]), torch.zeros(x.shape[0])], 1);
            return torch.where(perturbed.unsqueeze(1), torch.full_like(logits, float.NaN), logits).MoveToOuterDisposeScope();
        }
    }
}
