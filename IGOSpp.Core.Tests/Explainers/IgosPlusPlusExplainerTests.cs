using FluentAssertions;
using IGOSpp.Perturbation;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Explainers;

public sealed class IgosPlusPlusExplainerTests
{
    private const int Size = 28;
    private const int Top = 6, Left = 14, Side = 8;

    private static IgosPlusPlusOptions Planted => new() { Seed = 1 };

    [Test]
    public void Explain_PlantedEvidence_TopCellsFallInsideTheSquare()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        var image = model.MakeImage();
        using var explainer = new IgosPlusPlusExplainer(model, Planted);

        using var map = explainer.Explain(image, 1);

        var k = Side * Side;
        var top = map.Saliency.flatten().argsort(descending: true)[..k].data<long>().ToArray();
        var inside = top.Count(i => i / Size >= Top && i / Size < Top + Side && i % Size >= Left && i % Size < Left + Side);
        inside.Should().BeGreaterThanOrEqualTo((int)Math.Ceiling(0.8 * k), "the class score depends only on the square");
    }

    [Test]
    public void Explain_PlantedEvidence_DeletingTopTenPercentHalvesTheScore()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        var image = model.MakeImage().unsqueeze(0);
        using var explainer = new IgosPlusPlusExplainer(model, Planted);
        using var map = explainer.Explain(image, 1);

        var cells = Size * Size;
        var top = map.Saliency.flatten().argsort(descending: true)[..(cells / 10)];
        var keep = torch.ones(cells);
        keep.index_fill_(0, top, 0);
        var mask = MaskUpsampling.Bilinear(keep.view(1, 1, Size, Size), Size, Size);
        var baseline = new GaussianBlurBaseline().Create(image);
        var deleted = image * mask + baseline * (1 - mask);
        using var noGrad = torch.no_grad();
        var before = model.call(image).softmax(1)[0, 1].item<float>();
        var after = model.call(deleted).softmax(1)[0, 1].item<float>();

        map.OriginalScore.Should().BeApproximately(before, 1e-5);
        after.Should().BeLessThan(before / 2);
    }

    [Test]
    public void Explain_ReferenceLoop_SameMapsAsTheFusedLoopWithMoreForwardImages()
    {
        // The fused loop batches the four terms together and reuses the gradient pass's loss as the line search's
        // starting loss; the reference loop (kept for the benchmarks) does neither. Same seed and noise: same maps, up to
        // float rounding that depends on the batch sizes; the reference pushes 4·S more forward images per iteration.
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        var image = model.MakeImage();
        var options = Planted with { Iterations = 4 };
        using var fused = new IgosPlusPlusExplainer(model, options);
        using var reference = new IgosPlusPlusExplainer(model, options) { ObjectiveSeam = ReferenceLoopObjective.Seam };

        using var a = fused.Explain(image, 1);
        using var b = reference.Explain(image, 1);

        (a.DeletionMask! - b.DeletionMask!).abs().max().item<float>().Should().BeLessThan(1e-4f);
        (a.InsertionMask! - b.InsertionMask!).abs().max().item<float>().Should().BeLessThan(1e-4f);
        a.Trace.Iterations.Select(t => t.LineSearchTrials).Should().Equal(b.Trace.Iterations.Select(t => t.LineSearchTrials));
        b.Trace.ForwardImages.Should().Be(a.Trace.ForwardImages + 4 * 4 * options.IntegrationSteps, "the reference recomputes L(M) with 4·S forward images per iteration");
        options.IntegrationSteps.Should().Be(10, "the defaults' S");
        a.Trace.BackwardImages.Should().Be(b.Trace.BackwardImages);
    }

    [Test]
    public void Explain_SameSeed_BitIdenticalMasksInRangeWithMaskSizeShape()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        torch.manual_seed(4);
        var image = torch.randn(1, 16, 16);
        var options = new IgosPlusPlusOptions { MaskSize = 7, Iterations = 3, IntegrationSteps = 4, Seed = 123, EarlyStopTolerance = null };
        using var a = new IgosPlusPlusExplainer(model, options).Explain(image, 3);
        using var b = new IgosPlusPlusExplainer(model, options).Explain(image, 3);

        a.Mask.Should().BeEqualTo(b.Mask);
        a.DeletionMask!.Should().BeEqualTo(b.DeletionMask!);
        a.InsertionMask!.Should().BeEqualTo(b.InsertionMask!);
        a.Mask.shape.Should().Equal(7, 7);
        a.Mask.Should().BeInRange(0, 1);
        a.DeletionMask!.Should().BeInRange(0, 1);
        a.InsertionMask!.Should().BeInRange(0, 1);
        a.Saliency.Should().BeCloseTo(1 - a.Mask, 0, 0);
        a.Mask.Should().BeCloseTo(a.DeletionMask! * a.InsertionMask!, 0, 0);
        a.Trace.Iterations.Should().HaveCount(3);
        a.Method.Should().Be("iGOS++");
        a.ClassId.Should().Be(3);
        using var up = a.Upsample(16, 16);
        up.shape.Should().Equal(16, 16);
    }

    [Test]
    public void Explain_Batch_EqualsEachImageAlone()
    {
        using var scope = torch.NewDisposeScope();
        using var model = TestModels.SmallCnn();
        torch.manual_seed(5);
        var images = torch.randn(2, 1, 16, 16);
        var options = new IgosPlusPlusOptions { MaskSize = 8, Iterations = 3, IntegrationSteps = 4, Seed = 9 };
        using var explainer = new IgosPlusPlusExplainer(model, options);

        var maps = explainer.Explain(images, [2L, 7L]);
        using var first = explainer.Explain(images[0], 2);
        using var second = explainer.Explain(images[1], 7);

        maps.Should().HaveCount(2);
        maps[0].Mask.Should().BeEqualTo(first.Mask, "model passes never mix images and baselines are made image by image");
        maps[1].Mask.Should().BeEqualTo(second.Mask);
        foreach (var m in maps) m.Dispose();
    }

    [Test]
    public void Explain_BatchAcrossImages_FewerFullerPassesAndTheMapsOfEachImageAlone()
    {
        using var scope = torch.NewDisposeScope();
        using var inner = TestModels.SmallCnn();
        using var model = new PassCounter(inner);
        torch.manual_seed(5);
        var images = torch.randn(3, 1, 16, 16);
        long[] classes = [2, 7, 4];
        // A fixed step keeps the masks continuous in the scores, so rounding differences stay rounding differences.
        var options = new IgosPlusPlusOptions
        {
            MaskSize = 8, Iterations = 3, IntegrationSteps = 4, Seed = 9, Optimizer = OptimizerKind.FixedStep, InitialStepSize = 300,
            MaxBatchSize = 40,
        };
        using var alone = new IgosPlusPlusExplainer(model, options);
        using var packed = new IgosPlusPlusExplainer(model, options with { BatchAcrossImages = true });

        var expected = alone.Explain(images, classes);
        var passesAlone = model.Passes;
        model.Passes = 0;
        var actual = packed.Explain(images, classes);
        var passesPacked = model.Passes;
        var again = packed.Explain(images, classes);

        // Per gradient pass: 3 passes of 16 path images alone, 2 passes (40 + 8) packed; the probe passes are the same.
        (passesAlone - passesPacked).Should().Be(options.Iterations, "one model pass fewer per iteration's gradient pass");
        for (var i = 0; i < 3; i++)
        {
            expected[i].Mask.min().item<float>().Should().BeLessThan(0.9f, "the masks move");
            actual[i].Mask.Should().BeCloseTo(expected[i].Mask, rtol: 1e-4, atol: 1e-5);
            again[i].Mask.Should().BeEqualTo(actual[i].Mask, "the same batch packs the same way every time");
            actual[i].Trace.BackwardImages.Should().Be(expected[i].Trace.BackwardImages);
        }

        foreach (var m in expected.Concat(actual).Concat(again)) m.Dispose();
    }

    /// <summary>Counts the model passes.</summary>
    private sealed class PassCounter : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> _inner;

        public PassCounter(nn.Module<Tensor, Tensor> inner) : base(nameof(PassCounter))
        {
            _inner = inner;
            RegisterComponents();
        }

        public int Passes { get; set; }

        public override Tensor forward(Tensor input)
        {
            Passes++;
            return _inner.call(input);
        }
    }

    [Test]
    public void Explain_LineSearch_AcceptsRealStepsThatLowerTheLossAndMoveTheMasks()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        using var explainer = new IgosPlusPlusExplainer(model, Planted with { Iterations = 6 });

        using var map = explainer.Explain(model.MakeImage(), 1);

        var trace = map.Trace.Iterations;
        // Every search accepts a real step (here 1,000 at first, then 8 or 1.6): a stalled search would fall back to
        // MinStepSize (4e-6) with a NaN LossAfterStep, and the masks would stay near 1.
        trace.Should().OnlyContain(t => double.IsFinite(t.LossAfterStep), "no search fell back to the minimum step");
        trace.Select(t => t.StepSize).Should().OnlyContain(step => step >= 0.3);
        foreach (var it in trace)
            it.LossAfterStep.Should().BeLessThan(it.Loss, "an accepted Armijo step decreases the loss on its own noise");
        trace[^1].LossAfterStep.Should().BeLessThan(trace[0].Loss - 1, "the score term falls from about 0 to about −1.5");
        map.DeletionMask!.min().item<float>().Should().BeLessThan(0.5f, "the deletion mask removes the square");
        map.InsertionMask!.min().item<float>().Should().BeLessThan(0.5f, "the insertion mask hides what is outside it");
        map.Trace.StoppedEarlyAt.Should().BeNull("the masks change by more than the default tolerance in every iteration");
        map.Trace.BackwardImages.Should().Be(6 * 4 * 10, "each iteration integrates four terms over the defaults' 10 path points");
    }

    [TestCase(OptimizerKind.Nesterov)]
    [TestCase(OptimizerKind.FixedStep)]
    public void Explain_OtherOptimizers_ProduceMasksInRange(OptimizerKind kind)
    {
        using var scope = torch.NewDisposeScope();
        using var model = new TestModels.PlantedEvidenceModel(Size, Top, Left, Side);
        using var explainer = new IgosPlusPlusExplainer(model, Planted with { Optimizer = kind, InitialStepSize = 5, Iterations = 4 });

        using var map = explainer.Explain(model.MakeImage(), 1);

        map.Mask.Should().BeInRange(0, 1);
        map.Trace.Iterations.Should().OnlyContain(t => t.LineSearchTrials == 0 && t.StepSize == 5);
        map.Trace.ForwardImages.Should().Be(1, "without line search only the probe pass runs forward-only");
    }
}
