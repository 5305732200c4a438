using FluentAssertions;
using IGOSpp.Models;
using NUnit.Framework;

namespace IGOSpp.Tests.Models;

[TestFixture]
public sealed class ModelFileKindTests
{
    private static string Fixture(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name);

    [TestCase("tiny_net.torchscript.pt", ModelFileKind.TorchScript)]
    [TestCase("tiny_net.pytorch.torchscript.pt", ModelFileKind.TorchScript)]
    [TestCase("tiny_net.pt", ModelFileKind.PickledStateDict)]
    [TestCase("tiny_net.pytorch.pt", ModelFileKind.PickledStateDict)]
    [TestCase("architectures/resnet18_w4.pt", ModelFileKind.PickledStateDict)]
    [TestCase("tiny_net.safetensors", ModelFileKind.Safetensors)]
    [TestCase("architectures/torchvision_state_dicts.json", ModelFileKind.Unknown)]
    public void DetectKind_Fixture_IsItsKind(string file, ModelFileKind expected) =>
        ModelLoader.DetectKind(Fixture(file)).Should().Be(expected);

    [Test]
    public void DetectKind_ZipSignatureWithoutAZip_IsUnknown()
    {
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"fake-{Guid.NewGuid():N}.pt");
        File.WriteAllBytes(path, [(byte)'P', (byte)'K', 3, 4, 0, 0, 1, 2, 3]);
        try
        {
            ModelLoader.DetectKind(path).Should().Be(ModelFileKind.Unknown);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void DetectKind_MissingFileOrEmptyPath_Throws()
    {
        FluentActions.Invoking(() => ModelLoader.DetectKind(Fixture("absent.onnx"))).Should().Throw<FileNotFoundException>();
        FluentActions.Invoking(() => ModelLoader.DetectKind("")).Should().Throw<ArgumentException>().WithParameterName("path");
    }
}
