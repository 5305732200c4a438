using System.Text;
using FluentAssertions;
using IGOSpp.Models;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Models;

[TestFixture]
public sealed class ModelLoaderTests
{
    private static readonly IgosPlusPlusOptions TinyOptions = new() { MaskSize = 4, Iterations = 2, IntegrationSteps = 3, Seed = 1 };

    private string _temp = "";

    private static string Fixture(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name);

    [SetUp]
    public void CreateTempDirectory() => _temp = Directory.CreateTempSubdirectory("igospp-models-").FullName;

    [TearDown]
    public void DeleteTempDirectory() => Directory.Delete(_temp, recursive: true);

    /// <summary>Written by PyTorch 1.13 itself (tools/model-fixtures/make_pytorch_fixtures.py): torch.save of the state
    /// dict, and torch.jit.save of torch.jit.script of the same network, from the weights of tiny_net.pt.</summary>
    private const string PyTorchStateDictFile = "tiny_net.pytorch.pt";
    private const string PyTorchTorchScriptFile = "tiny_net.pytorch.torchscript.pt";

    [TestCase(ModelFixtures.StateDictFile)]
    [TestCase(ModelFixtures.SafetensorsFile)]
    [TestCase(PyTorchStateDictFile)]
    public void LoadStateDict_Fixture_OutputsEqualReference(string file)
    {
        using var reference = ModelFixtures.CreateReference();
        torch.manual_seed(99);
        using var loaded = new TinyNet();
        loaded.eval();

        var report = ModelLoader.LoadStateDict(loaded, Fixture(file));

        report.LoadedKeys.Should().BeEquivalentTo(reference.state_dict().Keys);
        report.MissingKeys.Should().BeEmpty();
        report.UnexpectedKeys.Should().BeEmpty();
        using var images = ModelFixtures.Images(4);
        using var expected = reference.call(images);
        using var actual = loaded.call(images);
        actual.Should().BeCloseTo(expected, rtol: 0, atol: 1e-6);
    }

    [TestCase(ModelFixtures.TorchScriptFile, TestName = "LoadTorchScript_HandWrittenArchive_OutputsEqualReference")]
    [TestCase(PyTorchTorchScriptFile, TestName = "LoadTorchScript_ArchiveWrittenByPyTorch_OutputsEqualReference")]
    public void LoadTorchScript_Archive_OutputsEqualReference(string file)
    {
        using var reference = ModelFixtures.CreateReference();
        using var loaded = ModelLoader.LoadTorchScript(Fixture(file));
        using var images = ModelFixtures.Images(4);

        using var expected = reference.call(images);
        using var actual = loaded.call(images);

        actual.shape.Should().Equal(4L, ModelFixtures.Classes);
        actual.Should().BeCloseTo(expected, rtol: 0, atol: 1e-6);
        loaded.parameters().Should().HaveCount(6, "conv1, bn1 and fc weights and biases");
        loaded.training.Should().BeFalse();
    }

    [Test]
    public void LoadTorchScript_SavedAgainByTorchSharp_OutputsEqualReference()
    {
        using var reference = ModelFixtures.CreateReference();
        var resaved = Path.Combine(_temp, "resaved.pt");
        using (var first = ModelLoader.LoadTorchScript(Fixture(ModelFixtures.TorchScriptFile)))
            jit.save(first.Script, resaved);

        using var loaded = ModelLoader.LoadTorchScript(resaved);
        using var images = ModelFixtures.Images(2, seed: 8);
        using var expected = reference.call(images);
        using var actual = loaded.call(images);

        actual.Should().BeCloseTo(expected, rtol: 0, atol: 1e-6);
    }

    [Test]
    public void Explain_TorchScriptModel_MatchesExplanationOfReference()
    {
        using var reference = ModelFixtures.CreateReference();
        using var loaded = ModelLoader.LoadTorchScript(Fixture(ModelFixtures.TorchScriptFile));
        using var images = ModelFixtures.Images(1, seed: 3);
        using var image = images[0];
        long predicted;
        using (var logits = reference.call(images)) predicted = logits.argmax(1).item<long>();

        using var fromReference = new IgosPlusPlusExplainer(reference, TinyOptions).Explain(image, predicted);
        using var fromLoaded = new IgosPlusPlusExplainer(loaded, TinyOptions).Explain(image, predicted);

        fromLoaded.Mask.shape.Should().Equal(4L, 4L);
        fromLoaded.Mask.min().item<float>().Should().BeGreaterThanOrEqualTo(0f);
        fromLoaded.Mask.max().item<float>().Should().BeLessThanOrEqualTo(1f);
        fromLoaded.OriginalScore.Should().BeApproximately(fromReference.OriginalScore, 1e-6);
        fromLoaded.Mask.Should().BeCloseTo(fromReference.Mask, rtol: 0, atol: 1e-4);
    }

    [Test]
    public void Explain_StateDictModel_ProducesMaskInUnitRange()
    {
        torch.manual_seed(99);
        using var loaded = new TinyNet();
        loaded.eval();
        ModelLoader.LoadStateDict(loaded, Fixture(ModelFixtures.SafetensorsFile));
        using var images = ModelFixtures.Images(1, seed: 3);
        using var image = images[0];

        using var map = new IgosPlusPlusExplainer(loaded, TinyOptions).Explain(image, 0);

        map.Mask.shape.Should().Equal(4L, 4L);
        map.Mask.isfinite().all().item<bool>().Should().BeTrue();
        map.Mask.min().item<float>().Should().BeGreaterThanOrEqualTo(0f);
        map.Mask.max().item<float>().Should().BeLessThanOrEqualTo(1f);
    }

    [Test]
    public void WriteAll_Regenerated_SafetensorsAndTorchScriptBytesEqualCommittedFixtures()
    {
        ModelFixtures.WriteAll(_temp);

        File.ReadAllBytes(Path.Combine(_temp, ModelFixtures.SafetensorsFile)).Should().Equal(File.ReadAllBytes(Fixture(ModelFixtures.SafetensorsFile)));
        File.ReadAllBytes(Path.Combine(_temp, ModelFixtures.TorchScriptFile)).Should().Equal(File.ReadAllBytes(Fixture(ModelFixtures.TorchScriptFile)));
        var fromPickle = ModelLoader.ReadStateDict(Path.Combine(_temp, ModelFixtures.StateDictFile));
        fromPickle["conv1.weight"].dtype.Should().Be(ScalarType.Float32);
        foreach (var t in fromPickle.Values) t.Dispose();
    }

    [Test]
    public void LoadTorchScript_MissingFile_ThrowsFileNotFound()
    {
        var act = () => ModelLoader.LoadTorchScript(Path.Combine(_temp, "absent.pt"));

        act.Should().Throw<FileNotFoundException>().WithMessage("*absent.pt*not found*");
    }

    [Test]
    public void LoadTorchScript_CorruptFile_ThrowsInvalidData()
    {
        var path = Path.Combine(_temp, "corrupt.pt");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes("this is not a zip archive"));

        var act = () => ModelLoader.LoadTorchScript(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*corrupt.pt*is not a TorchScript archive*");
    }

    [Test]
    public void LoadTorchScript_StateDictFile_ThrowsInvalidDataPointingToLoadStateDict()
    {
        var act = () => ModelLoader.LoadTorchScript(Fixture(ModelFixtures.StateDictFile));

        act.Should().Throw<InvalidDataException>().WithMessage("*LoadStateDict*");
    }

    [Test]
    public void LoadStateDict_MissingFile_ThrowsFileNotFound()
    {
        using var net = new TinyNet();

        var act = () => ModelLoader.LoadStateDict(net, Path.Combine(_temp, "absent.safetensors"));

        act.Should().Throw<FileNotFoundException>().WithMessage("*absent.safetensors*not found*");
    }

    [TestCase(new byte[] { 1, 2, 3 }, "*fewer than the 8-byte header length*")]
    [TestCase(new byte[] { 200, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}' }, "*header length 200 does not fit*")]
    [TestCase(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'[' }, "*header is not JSON*")]
    [TestCase(new byte[] { (byte)'P', (byte)'K', 3, 4, 0, 0, 0 }, "*is not a PyTorch state dict*")]
    public void LoadStateDict_CorruptFile_ThrowsInvalidData(byte[] content, string message)
    {
        var path = Path.Combine(_temp, "corrupt.bin");
        File.WriteAllBytes(path, content);
        using var net = new TinyNet();

        var act = () => ModelLoader.LoadStateDict(net, path);

        act.Should().Throw<InvalidDataException>().WithMessage(message);
    }

    [Test]
    public void LoadStateDict_TruncatedSafetensors_ThrowsInvalidDataNamingTheTensor()
    {
        var bytes = File.ReadAllBytes(Fixture(ModelFixtures.SafetensorsFile));
        var path = Path.Combine(_temp, "truncated.safetensors");
        File.WriteAllBytes(path, bytes[..^4]);
        using var net = new TinyNet();

        var act = () => ModelLoader.LoadStateDict(net, path);

        act.Should().Throw<InvalidDataException>().WithMessage("*'fc.weight' ends at byte*");
    }

    [Test]
    public void LoadStateDict_ShapeMismatch_ThrowsListingKeyAndShapesAndLeavesModuleUnchanged()
    {
        using var wrong = nn.Sequential(("conv1", nn.Conv2d(3, 4, 3, padding: 1)), ("bn1", nn.BatchNorm2d(4)), ("fc", nn.Linear(4, 5)));
        using var before = wrong.state_dict()["conv1.weight"].clone();

        var act = () => ModelLoader.LoadStateDict(wrong, Fixture(ModelFixtures.SafetensorsFile));

        act.Should().Throw<InvalidDataException>()
            .WithMessage("*fc.bias: file [3], module [5]*fc.weight: file [3,4], module [5,4]*");
        wrong.state_dict()["conv1.weight"].Should().BeEqualTo(before);
    }

    [Test]
    public void LoadStateDict_StrictWithMissingAndUnexpectedKeys_ThrowsListingBoth()
    {
        using var other = nn.Sequential(("conv1", nn.Conv2d(3, 4, 3, padding: 1)), ("head", nn.Linear(4, 3)));

        var act = () => ModelLoader.LoadStateDict(other, Fixture(ModelFixtures.StateDictFile));

        act.Should().Throw<InvalidDataException>()
            .WithMessage("*missing keys*head.bias, head.weight*unexpected keys*bn1.bias*fc.weight*");
    }

    [Test]
    public void LoadStateDict_NotStrict_LoadsMatchingKeysAndReportsTheRest()
    {
        using var reference = ModelFixtures.CreateReference();
        using var other = nn.Sequential(("conv1", nn.Conv2d(3, 4, 3, padding: 1)), ("head", nn.Linear(4, 3)));

        var report = ModelLoader.LoadStateDict(other, Fixture(ModelFixtures.StateDictFile), strict: false);

        report.LoadedKeys.Should().Equal("conv1.bias", "conv1.weight");
        report.MissingKeys.Should().Equal("head.bias", "head.weight");
        report.UnexpectedKeys.Should().Equal("bn1.bias", "bn1.num_batches_tracked", "bn1.running_mean", "bn1.running_var", "bn1.weight", "fc.bias", "fc.weight");
        other.state_dict()["conv1.weight"].Should().BeEqualTo(reference.conv1.weight!);
    }

    [Test]
    public void LoadStateDict_NullModule_ThrowsArgumentNull()
    {
        var act = () => ModelLoader.LoadStateDict(null!, Fixture(ModelFixtures.StateDictFile));

        act.Should().Throw<ArgumentNullException>().WithParameterName("module");
    }
}
