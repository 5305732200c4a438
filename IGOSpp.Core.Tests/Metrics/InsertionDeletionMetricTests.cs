using FluentAssertions;
using IGOSpp.Metrics;
using IGOSpp.Perturbation;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Metrics;

public sealed class InsertionDeletionMetricTests
{
    private const int Side = 6;
    private const int Cells = Side * Side;

    /// <summary>
    /// A linear model f = σ(Σ w·x + b) on a 1×6×6 image, zero baseline, full-resolution saliency: after deleting the
    /// set S of cells the score is σ(Σ_{c∉S} w_c x_c + b), after inserting S it is σ(Σ_{c∈S} w_c x_c + b).
    /// </summary>
    private static (TestModels.LinearModel Model, Tensor Image, double[] Contribution, double Bias) Setup()
    {
        torch.manual_seed(21);
        var w = torch.randn(1, Side, Side);
        var x = torch.randn(1, Side, Side);
        const double bias = 0.3;
        var contribution = (w * x).flatten().to(ScalarType.Float64).data<double>().ToArray();
        return (new TestModels.LinearModel(w, bias), x, contribution, bias);
    }

    private static (double Deletion, double Insertion) HandAuc(double[] contribution, double bias, int[] order, int perStep)
    {
        double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
        double deletion = 0, insertion = 0;
        var total = contribution.Sum();
        for (var count = perStep; ; count += perStep)
        {
            var c = Math.Min(count, Cells);
            var previous = Math.Min(count - perStep, Cells);
            var top = order.Take(c).Sum(i => contribution[i]);
            var width = (c - previous) / (double)Cells;
            deletion += width * Sigmoid(total - top + bias);
            insertion += width * Sigmoid(top + bias);
            if (c == Cells) break;
        }

        return (deletion, insertion);
    }

    [TestCase(null, 1)]
    [TestCase(5, 5)]   // 36 = 7·5 + 1: the last step is partial and must count with width 1/36
    [TestCase(36, 36)]
    public void Evaluate_LinearSigmoidModel_MatchesHandComputedAuc(int? steps, int perStep)
    {
        using var scope = torch.NewDisposeScope();
        var (model, image, contribution, bias) = Setup();
        using var _ = model;
        var metric = new InsertionDeletionMetric(model, new InsertionDeletionOptions { CellsPerStep = steps, Baseline = new ConstantBaseline(0) });
        var saliency = torch.tensor(contribution).to(ScalarType.Float32).view(Side, Side);

        var result = metric.Evaluate(image, 1, saliency);

        var order = Enumerable.Range(0, Cells).OrderByDescending(i => (float)contribution[i]).ThenBy(i => i).ToArray();
        var (deletion, insertion) = HandAuc(contribution, bias, order, perStep);
        result.CellsPerStep.Should().Be(perStep);
        result.DeletionAuc.Should().BeApproximately(deletion, 1e-6);
        result.InsertionAuc.Should().BeApproximately(insertion, 1e-6);
        result.Fractions[0].Should().Be(0);
        result.Fractions[^1].Should().Be(1);
        result.DeletionCurve.Should().HaveCount(result.Fractions.Count);
        result.DeletionCurve[0].Should().BeApproximately(1 / (1 + Math.Exp(-(contribution.Sum() + bias))), 1e-6, "point 0 is the intact image");
        result.InsertionCurve[0].Should().BeApproximately(1 / (1 + Math.Exp(-bias)), 1e-6, "point 0 is the baseline");
        result.DeletionAuc.Should().BeInRange(0, 1);
        result.InsertionAuc.Should().BeInRange(0, 1);
    }

    [Test]
    public void Evaluate_PerfectRanking_BeatsReversedRankingOnBothScores()
    {
        using var scope = torch.NewDisposeScope();
        var (model, image, contribution, _) = Setup();
        using var _m = model;
        var metric = new InsertionDeletionMetric(model, new InsertionDeletionOptions { Baseline = new ConstantBaseline(0) });
        var perfect = torch.tensor(contribution).to(ScalarType.Float32).view(Side, Side);

        var good = metric.Evaluate(image, 1, perfect);
        var bad = metric.Evaluate(image, 1, -perfect);

        good.DeletionAuc.Should().BeLessThan(bad.DeletionAuc);
        good.InsertionAuc.Should().BeGreaterThan(bad.InsertionAuc);
    }

    [Test]
    public void Evaluate_IdenticalInputs_IdenticalResults_AndTiesBrokenByIndex()
    {
        using var scope = torch.NewDisposeScope();
        var (model, image, contribution, bias) = Setup();
        using var _m = model;
        var metric = new InsertionDeletionMetric(model, new InsertionDeletionOptions { Baseline = new ConstantBaseline(0), MaxBatchSize = 7 });
        var flat = torch.zeros(Side, Side);

        var a = metric.Evaluate(image, 1, flat);
        var b = metric.Evaluate(image, 1, flat);

        a.DeletionCurve.Should().Equal(b.DeletionCurve);
        a.InsertionCurve.Should().Equal(b.InsertionCurve);
        var (deletion, insertion) = HandAuc(contribution, bias, Enumerable.Range(0, Cells).ToArray(), 1);
        a.DeletionAuc.Should().BeApproximately(deletion, 1e-6);
        a.InsertionAuc.Should().BeApproximately(insertion, 1e-6);
    }

    [Test]
    public void Evaluate_LowResolutionSaliencyAndBatch_EqualsOneByOne()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        torch.manual_seed(3);
        var images = torch.randn(2, 1, 16, 16);
        var saliencies = new[] { torch.rand(4, 4), torch.rand(7, 7) };
        var metric = new InsertionDeletionMetric(model, new InsertionDeletionOptions { MaxBatchSize = 10 });

        var batch = metric.Evaluate(images, [1L, 4L], saliencies);
        var first = metric.Evaluate(images[0], 1, saliencies[0]);
        var second = metric.Evaluate(images[1], 4, saliencies[1]);

        batch[0].DeletionAuc.Should().BeApproximately(first.DeletionAuc, 1e-6);
        batch[1].InsertionAuc.Should().BeApproximately(second.InsertionAuc, 1e-6);
        batch[0].Cells.Should().Be(16);
        batch[1].CellsPerStep.Should().Be(1);
    }

    [Test]
    public void Evaluate_SaliencyMapOverload_UsesItsClassAndSaliency()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        var image = torch.randn(1, 16, 16);
        using var map = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 4, Iterations = 1, IntegrationSteps = 2, Seed = 1 })
            .Explain(image, 5);
        var metric = new InsertionDeletionMetric(model);

        var viaMap = metric.Evaluate(image, map);
        var direct = metric.Evaluate(image, 5, map.Saliency);

        viaMap.ClassId.Should().Be(5);
        viaMap.DeletionAuc.Should().Be(direct.DeletionAuc);
    }

    [Test]
    public void Evaluate_InvalidInputs_Throw()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        var metric = new InsertionDeletionMetric(model);
        var image = torch.randn(1, 16, 16);
        FluentActions.Invoking(() => metric.Evaluate(image, 1, torch.rand(17, 4))).Should().Throw<ArgumentException>().WithParameterName("saliency");
        FluentActions.Invoking(() => metric.Evaluate(image, 1, torch.rand(4))).Should().Throw<ArgumentException>().WithParameterName("saliency");
        FluentActions.Invoking(() => metric.Evaluate(image, 1, torch.full(4, 4, float.NaN))).Should().Throw<ArgumentException>().WithParameterName("saliency");
        FluentActions.Invoking(() => metric.Evaluate(image, 10, torch.rand(4, 4))).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("classId");
        FluentActions.Invoking(() => metric.Evaluate(image, 1, torch.rand(4, 4), torch.rand(1, 8, 8))).Should().Throw<ArgumentException>().WithParameterName("baseline");
        FluentActions.Invoking(() => metric.Evaluate(torch.randn(2, 1, 16, 16), [1L], [torch.rand(4, 4), torch.rand(4, 4)])).Should().Throw<ArgumentException>().WithParameterName("classIds");
        FluentActions.Invoking(() => new InsertionDeletionMetric(model, new InsertionDeletionOptions { CellsPerStep = 0 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("options.CellsPerStep");
        FluentActions.Invoking(() => new InsertionDeletionMetric(model, new InsertionDeletionOptions { MaxBatchSize = 0 })).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("options.MaxBatchSize");
    }
}
