using FluentAssertions;
using IGOSpp.Onnx;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Onnx;

/// <summary>
/// Every torchvision classifier family, exported by PyTorch itself at each opset its exporter allows (dynamic batch),
/// imported and compared with the logits and input gradients PyTorch computed (tools/onnx-fixtures/make_fixtures.py).
/// </summary>
[TestFixture]
[Category("Onnx")]
public sealed class OnnxFamiliesTests
{
    private const double ForwardTolerance = 1e-4;
    private const double GradientTolerance = 1e-3;

    private int _threads;

    [OneTimeSetUp]
    public void OneThread()
    {
        _threads = torch.get_num_threads();
        torch.set_num_threads(1);
    }

    [OneTimeTearDown]
    public void RestoreThreads() => torch.set_num_threads(_threads);

    private static IEnumerable<TestCaseData> Exports() => FamilyFixtures.Exports()
        .Select(e => new TestCaseData(e.Model, e.Opset, e.File).SetArgDisplayNames($"{e.Model.Name}_opset{e.Opset}"));

    [TestCaseSource(nameof(Exports))]
    public void Call_PyTorchExport_MatchesPyTorchLogitsAndInputGradient(FamilyFixtures.FamilyModel model, int opset, string file)
    {
        using var module = OnnxModel.Load(FamilyFixtures.PathOf(file));
        using var scope = torch.NewDisposeScope();
        var (x, shape, logits, logitsShape) = Reference(model);
        var (gradient, _) = model.Array("grad");
        x.requires_grad_();

        var y = module.call(x);
        var rows = torch.arange(shape[0], dtype: ScalarType.Int64);
        var score = y.index([rows, torch.tensor(model.Classes)]).sum();
        var dx = torch.autograd.grad([score], [x])[0];

        module.OpsetVersion.Should().Be(opset);
        y.shape.Should().Equal(logitsShape);
        // A reference whose logits do not depend on the input would let an importer that ignores its input pass.
        BatchSpread(logits, logitsShape).Should().BeGreaterThan(1e-3, "the reference logits must differ between the images");
        var forward = RelativeDifference(y, logits);
        var backward = RelativeDifference(dx, gradient);
        TestContext.Out.WriteLine($"{model.Name} opset {opset}: {module.NodeCount} nodes, forward max|diff|/max|ref| {forward:E2}, gradient {backward:E2}");
        forward.Should().BeLessThan(ForwardTolerance);
        backward.Should().BeLessThan(GradientTolerance);
    }

    [TestCaseSource(nameof(Exports))]
    public void Call_OneImageAtATime_MatchesTheBatchOfThree(FamilyFixtures.FamilyModel model, int opset, string file)
    {
        using var module = OnnxModel.Load(FamilyFixtures.PathOf(file));
        using var scope = torch.NewDisposeScope();
        var (x, shape, logits, _) = Reference(model);
        using var noGrad = torch.no_grad();
        module.OpsetVersion.Should().Be(opset);

        for (var n = 0; n < shape[0]; n++)
        {
            var single = module.call(x.narrow(0, n, 1));
            single.shape[0].Should().Be(1, "a graph exported with a dynamic batch takes a batch of one");
            var classes = logits.Length / (int)shape[0];
            RelativeDifference(single, logits[(n * classes)..((n + 1) * classes)]).Should().BeLessThan(ForwardTolerance, $"image {n}");
        }
    }

    [TestCaseSource(nameof(Exports))]
    public void Call_PyTorchExport_MatchesOnnxRuntimeOnTheBatchOfThree(FamilyFixtures.FamilyModel model, int opset, string file)
    {
        var path = FamilyFixtures.PathOf(file);
        using var module = OnnxModel.Load(path);
        using var scope = torch.NewDisposeScope();
        var (input, shape) = model.Array("input");
        using var noGrad = torch.no_grad();

        var y = module.call(torch.tensor(input, shape));
        var (expected, expectedShape) = OnnxRuntimeReference.Run(File.ReadAllBytes(path), "input", input, shape);

        module.OpsetVersion.Should().Be(opset);
        y.shape.Should().Equal(expectedShape);
        RelativeDifference(y, expected).Should().BeLessThan(ForwardTolerance);
    }

    [Test]
    public void Manifest_CoversEveryFamilyAtTwoOpsets()
    {
        var manifest = FamilyFixtures.Load();

        manifest.Models.Select(m => m.Name).Should().Contain(
            ["resnet18", "resnet50", "resnext50", "vgg11_bn", "alexnet", "squeezenet1_1", "densenet121", "googlenet",
             "inception_v3", "mobilenet_v2", "mobilenet_v3_small", "mnasnet", "efficientnet_b0", "efficientnet_v2_s",
             "regnet_x", "regnet_y", "shufflenet_v2", "vit", "convnext", "swin", "maxvit"]);
        manifest.Models.Should().OnlyContain(m => m.Opsets.ContainsKey("13") && m.Opsets.ContainsKey("17"));
        TestContext.Out.WriteLine($"{manifest.Exporter}; refused: {string.Join("; ", manifest.Models.SelectMany(m => m.Refused.Select(r => $"{m.Name} opset {r.Key}: {r.Value}")).Distinct())}");
    }

    /// <summary>max over classes of |logit(image n) − logit(image 0)|, relative to max |logit|.</summary>
    private static double BatchSpread(float[] logits, long[] shape)
    {
        var classes = (int)shape[1];
        double spread = 0, scale = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            spread = Math.Max(spread, Math.Abs(logits[i] - logits[i % classes]));
            scale = Math.Max(scale, Math.Abs(logits[i]));
        }

        return scale > 0 ? spread / scale : 0;
    }

    /// <summary>The input batch as a tensor, and PyTorch's logits.</summary>
    private static (Tensor X, long[] Shape, float[] Logits, long[] LogitsShape) Reference(FamilyFixtures.FamilyModel model)
    {
        var (input, shape) = model.Array("input");
        var (logits, logitsShape) = model.Array("logits");
        return (torch.tensor(input, shape), shape, logits, logitsShape);
    }

    /// <summary>max |actual − expected| / max |expected|, with NaN counted as infinitely far.</summary>
    private static double RelativeDifference(Tensor actual, float[] expected)
    {
        var a = actual.detach().contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
        a.Length.Should().Be(expected.Length);
        double worst = 0, scale = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = Math.Abs((double)a[i] - expected[i]);
            worst = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(worst, d);
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        scale.Should().BeGreaterThan(0, "the reference must not be all zero");
        return worst / scale;
    }
}
