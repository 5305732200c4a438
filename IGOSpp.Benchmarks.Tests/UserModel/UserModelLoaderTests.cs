using FluentAssertions;
using IGOSpp.Benchmarks.Infrastructure;
using IGOSpp.Benchmarks.UserModel;
using NUnit.Framework;
using TorchSharp;

namespace IGOSpp.Benchmarks.Tests.UserModel;

[TestFixture]
public sealed class UserModelLoaderTests
{
    private static readonly long[] Shape = [3, 16, 16];

    [TestCase(ModelFormat.Onnx)]
    [TestCase(ModelFormat.TorchScript)]
    public void Load_MissingFile_ThrowsFileNotFoundNamingIt(ModelFormat format)
    {
        var act = () => UserModelLoader.Load(format, "/nonexistent/model.bin");

        act.Should().Throw<FileNotFoundException>().Where(e => e.Message.Contains("/nonexistent/model.bin"));
    }

    [Test]
    public void Load_TextFileAsOnnx_ThrowsInvalidData()
    {
        var path = ModelFixtures.WriteTemp("not a model"u8.ToArray(), "text.onnx");

        var act = () => UserModelLoader.Load(ModelFormat.Onnx, path);

        act.Should().Throw<InvalidDataException>();
    }

    [Test]
    public void Load_OnnxFileAsTorchScript_ThrowsInvalidDataNamingTheFormat()
    {
        var path = ModelFixtures.WriteTemp(ModelFixtures.TinyCnn(), "tiny.pt");

        var act = () => UserModelLoader.Load(ModelFormat.TorchScript, path);

        act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains("is not a TorchScript"));
    }

    [Test]
    public void Load_StateDictWithArchitecture_HasTheSavedWeights()
    {
        using var scope = torch.NewDisposeScope();
        using var original = IGOSpp.Models.KnownArchitectures.Create("resnet18", 3);
        original.eval();
        var path = ModelFixtures.WriteTemp([], "resnet18.pt");
        TorchSharp.PyBridge.PyBridgeModuleExtensions.save_py(original, path);
        var image = UserModelLoader.Image(Shape, "cpu");

        using var model = UserModelLoader.Load(ModelFormat.StateDict, path, "resnet18");

        using var inference = torch.inference_mode();
        (model.call(image) - original.call(image)).abs().max().item<float>().Should().BeLessThan(1e-6f);
    }

    [Test]
    public void Load_StateDictIntoAnotherArchitecture_ThrowsInvalidDataNamingTheKeys()
    {
        using var original = IGOSpp.Models.KnownArchitectures.Create("resnet18", 3);
        var path = ModelFixtures.WriteTemp([], "resnet18.pt");
        TorchSharp.PyBridge.PyBridgeModuleExtensions.save_py(original, path);

        var act = () => UserModelLoader.Load(ModelFormat.StateDict, path, "resnet34");

        act.Should().Throw<InvalidDataException>().Where(e => e.Message.Contains("missing keys (in the module, not in the file): layer1.2.bn1.bias", StringComparison.Ordinal));
    }

    [Test]
    public void Check_TinyCnn_ReportsClassesAndTheModelsPrediction()
    {
        using var model = UserModelLoader.Load(ModelFormat.Onnx, ModelFixtures.WriteTemp(ModelFixtures.TinyCnn(), "tiny.onnx"));

        var check = UserModelLoader.Check(model, Shape, "cpu");

        using var batch = UserModelLoader.Image(Shape, "cpu");
        using var inference = torch.inference_mode();
        using var scores = model.call(batch);
        check.Classes.Should().Be(5);
        check.Flattened.Should().BeFalse();
        check.PredictedClass.Should().Be(scores[0].argmax().item<long>());
    }

    [Test]
    public void Check_WrongChannelCount_ThrowsModelRejectsInput()
    {
        using var model = UserModelLoader.Load(ModelFormat.Onnx, ModelFixtures.WriteTemp(ModelFixtures.TinyCnn(), "tiny.onnx"));

        var act = () => UserModelLoader.Check(model, [1, 16, 16], "cpu");

        act.Should().Throw<InvalidOperationException>()
            .Where(e => e.Message.Contains("rejects a batch of random images of shape [2, 1, 16, 16]") && e.Message.Contains("--input 1x16x16"));
    }

    [Test]
    public void Check_FeatureMapOutput_ThrowsNamingTheReceivedShape()
    {
        using var model = UserModelLoader.Load(ModelFormat.Onnx, ModelFixtures.WriteTemp(ModelFixtures.ConvOnly(), "conv.onnx"));

        var act = () => UserModelLoader.Check(model, Shape, "cpu");

        act.Should().Throw<InvalidOperationException>()
            .Where(e => e.Message.Contains("class scores [N, K]") && e.Message.Contains("returned [2, 4, 16, 16]"));
    }

    [Test]
    public void Check_PooledFeatures_FlattensTrailingOnes()
    {
        using var model = UserModelLoader.Load(ModelFormat.Onnx, ModelFixtures.WriteTemp(ModelFixtures.PooledFeatures(), "pooled.onnx"));

        var check = UserModelLoader.Check(model, Shape, "cpu");
        using var prepared = UserModelLoader.Prepare(model, check);
        using var batch = UserModelLoader.Image(Shape, "cpu", batch: 3);
        using var inference = torch.inference_mode();
        using var scores = prepared.call(batch);

        check.Flattened.Should().BeTrue();
        check.Classes.Should().Be(4);
        scores.shape.Should().Equal(3L, 4L);
    }

    [Test]
    public void Check_CudaOnTheCpuBackend_ThrowsSayingHowToGetCuda()
    {
        Devices.Available().Should().NotContain("cuda", "the tests build with the default TorchSharp-cpu backend");
        using var model = UserModelLoader.Load(ModelFormat.Onnx, ModelFixtures.WriteTemp(ModelFixtures.TinyCnn(), "tiny.onnx"));

        var act = () => UserModelLoader.Check(model, Shape, "cuda");

        act.Should().Throw<InvalidOperationException>().Where(e => e.Message.Contains("CUDA is not available") && e.Message.Contains("TorchBackend"));
    }

    [Test]
    public void TinyCnn_Generator_MatchesCommittedFixture()
    {
        var committed = ModelFixtures.CommittedPath(ModelFixtures.TinyCnnFile);
        var generated = ModelFixtures.TinyCnn();
        if (Environment.GetEnvironmentVariable("IGOSPP_WRITE_FIXTURES") == "1")
        {
            File.WriteAllBytes(committed, generated);
            TestContext.Out.WriteLine($"wrote {committed} ({generated.Length} bytes)");
        }

        File.ReadAllBytes(committed).Should().Equal(generated, "regenerate with IGOSPP_WRITE_FIXTURES=1 (see ModelFixtures)");
        generated.Length.Should().BeLessThan(50 * 1024);
    }
}
