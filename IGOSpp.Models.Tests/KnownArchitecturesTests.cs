using System.Text.Json;
using FluentAssertions;
using IGOSpp.Cli.Output;
using IGOSpp.Models;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Models;

/// <summary>
/// The TorchVision rebuilds against TorchVision itself: the state dict keys, shapes and dtypes of every architecture at
/// full width (the manifest torchvision_state_dicts.json), and the outputs and input gradients of narrow networks
/// built from TorchVision's own blocks, with their weights saved by torch.save (tools/model-fixtures/make_architecture_fixtures.py).
/// </summary>
[TestFixture]
public sealed class KnownArchitecturesTests
{
    /// <summary>The narrow fixtures: file stem, architecture, width.</summary>
    private static readonly object[] Narrow =
    [
        new object[] { "resnet18_w4", "resnet18", 4 },
        new object[] { "resnet50_w4", "resnet50", 4 },
        new object[] { "vgg11_bn_w1", "vgg11_bn", 1 },
    ];

    private static string Fixture(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "architectures", name);

    private static Dictionary<string, List<(string Key, long[] Shape, string DType)>> Manifest()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Fixture("torchvision_state_dicts.json")));
        return document.RootElement.EnumerateObject().ToDictionary(
            a => a.Name,
            a => a.Value.EnumerateArray()
                .Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(d => d.GetInt64()).ToArray(), e[2].GetString()!))
                .ToList());
    }

    private static Tensor Npy(string file)
    {
        var (values, shape) = IGOSpp.Cli.Output.Npy.ReadFloat32(File.ReadAllBytes(Fixture(file)));
        return tensor(values).reshape(shape);
    }

    [Test]
    public void Names_EqualTheArchitecturesOfTheTorchVisionManifest() =>
        KnownArchitectures.Names.Should().BeEquivalentTo(Manifest().Keys);

    [TestCaseSource(typeof(KnownArchitectures), nameof(KnownArchitectures.Names))]
    public void Create_FullWidth_StateDictHasTorchVisionsKeysShapesAndDtypes(string name)
    {
        var expected = Manifest()[name];
        using var model = KnownArchitectures.Create(name);
        var actual = model.state_dict();

        actual.Keys.Should().BeEquivalentTo(expected.Select(e => e.Key));
        foreach (var (key, shape, dtype) in expected)
        {
            actual[key].shape.Should().Equal(shape, key);
            actual[key].dtype.Should().Be(dtype == "int64" ? ScalarType.Int64 : ScalarType.Float32, key);
        }
    }

    [TestCaseSource(nameof(Narrow))]
    public void Load_NarrowTorchVisionNetwork_LogitsAndInputGradientEqualTorchVisions(string file, string name, int width)
    {
        using var scope = NewDisposeScope();
        using var model = KnownArchitectures.Load(name, Fixture(file + ".pt"), numClasses: null, width);
        var input = Npy(file + ".input.npy").requires_grad_();
        var expectedLogits = Npy(file + ".logits.npy");
        var expectedGradient = Npy(file + ".grad.npy");

        model.training.Should().BeFalse();
        var logits = model.call(input);
        logits[.., 1].sum().backward();

        logits.shape.Should().Equal(2L, 10L);
        logits.detach().Should().BeCloseTo(expectedLogits, rtol: 1e-4, atol: 1e-4 * expectedLogits.abs().max().item<float>());
        input.grad!.Should().BeCloseTo(expectedGradient, rtol: 1e-4, atol: 1e-4 * expectedGradient.abs().max().item<float>());
    }

    [Test]
    public void Load_NarrowResNet_CopiesBatchNormRunningStatisticsAndBatchCount()
    {
        using var scope = NewDisposeScope();
        var file = ModelLoader.ReadStateDict(Fixture("resnet18_w4.pt"));
        using var model = KnownArchitectures.Load("resnet18", Fixture("resnet18_w4.pt"), numClasses: null, width: 4);
        var state = model.state_dict();

        state["layer2.0.downsample.1.num_batches_tracked"].item<long>().Should().Be(3, "the fixture ran three training-mode passes");
        state["bn1.running_mean"].Should().BeEqualTo(file["bn1.running_mean"]);
        state["layer4.1.bn2.running_var"].Should().BeEqualTo(file["layer4.1.bn2.running_var"]);
        state["bn1.running_mean"].abs().max().item<float>().Should().BeGreaterThan(0, "the statistics are not the initial zeros");
    }

    [Test]
    public void Load_ResNet18IntoResNet50_ThrowsNamingTheFirstMissingKeysAndTheirCount()
    {
        var act = () => KnownArchitectures.Load("resnet50", Fixture("resnet18_w4.pt"), numClasses: null, width: 4);

        act.Should().Throw<InvalidDataException>()
            .WithMessage("*resnet18_w4.pt*does not fit the module resnet50*shape mismatches*layer1.0.conv1.weight: file [4,4,3,3], module [4,4,1,1]*" +
                         "missing keys*layer1.0.bn3.bias, *(198 in all)*");
    }

    [Test]
    public void Load_VggIntoResNet_ThrowsNamingMissingAndUnexpectedKeys()
    {
        var act = () => KnownArchitectures.Load("resnet18", Fixture("vgg11_bn_w1.pt"), numClasses: null, width: 1);

        act.Should().Throw<InvalidDataException>()
            .WithMessage("*missing keys*bn1.bias*unexpected keys*classifier.0.bias*features.0.weight*");
    }

    [Test]
    public void Load_FullWidthResNet18IntoNarrowFile_ThrowsNamingShapes()
    {
        var act = () => KnownArchitectures.Load("resnet18", Fixture("resnet18_w4.pt"));

        act.Should().Throw<InvalidDataException>().WithMessage("*bn1.bias: file [4], module [64]*");
    }

    [Test]
    public void Load_ExplicitNumClassesThatDiffer_ThrowsNamingTheClassifier()
    {
        var act = () => KnownArchitectures.Load("vgg11_bn", Fixture("vgg11_bn_w1.pt"), numClasses: 7, width: 1);

        act.Should().Throw<InvalidDataException>().WithMessage("*classifier.6.weight: file [10,64], module [7,64]*");
    }

    [Test]
    public void Create_NumClasses_SetsTheOutputs()
    {
        using var model = KnownArchitectures.Create("resnet18", 7, width: 4);
        using var images = rand(2, 3, 32, 32);
        using var logits = model.call(images);

        logits.shape.Should().Equal(2L, 7L);
    }

    [Test]
    public void Create_UnknownName_ThrowsArgumentExceptionListingTheKnownOnes()
    {
        var act = () => KnownArchitectures.Create("resnet19");

        act.Should().Throw<ArgumentException>().WithParameterName("name").WithMessage("*'resnet19' is not a known architecture*resnet18, resnet34*vgg19_bn*");
    }

    [TestCase(0)]
    [TestCase(-3)]
    public void Create_NumClassesBelowOne_ThrowsArgumentOutOfRange(int classes)
    {
        var act = () => KnownArchitectures.Create("resnet18", classes);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("numClasses");
    }

    [Test]
    public void Load_ArgumentProblems_ThrowNamingTheParameter()
    {
        FluentActions.Invoking(() => KnownArchitectures.Load("alexnet", Fixture("resnet18_w4.pt"))).Should().Throw<ArgumentException>().WithParameterName("name");
        FluentActions.Invoking(() => KnownArchitectures.Load("resnet18", " ")).Should().Throw<ArgumentException>().WithParameterName("path");
        FluentActions.Invoking(() => KnownArchitectures.Load("resnet18", Fixture("resnet18_w4.pt"), 0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("numClasses");
        FluentActions.Invoking(() => KnownArchitectures.Load("resnet18", Fixture("absent.pt"))).Should().Throw<FileNotFoundException>();
    }

    [Test]
    public void Load_ManyTimes_LeavesNoTensorAliveAfterDispose()
    {
        using (KnownArchitectures.Load("resnet18", Fixture("resnet18_w4.pt"), numClasses: null, width: 4))
        {
        }

        var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (var i = 0; i < 5; i++)
        {
            using var model = KnownArchitectures.Load("resnet18", Fixture("resnet18_w4.pt"), numClasses: null, width: 4);
            model.parameters().Should().OnlyContain(p => !p.IsInvalid, "the parameters outlive the loader's dispose scope");
        }

        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().BeLessThanOrEqualTo(before);
    }

    [Test]
    public void Create_NameInAnotherCase_IsAccepted()
    {
        using var model = KnownArchitectures.Create("ResNet18", 3, width: 4);

        model.GetName().Should().Be("resnet18");
    }
}
