using FluentAssertions;
using IGOSpp.Onnx;
using IGOSpp.Perturbation;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Onnx;

/// <summary>
/// The explainers on an imported transformer: the tiny torchvision ViT (32×32 images, 8×8 patches, so 1 + 4·4 tokens
/// of 32 values) exported by PyTorch at opset 17.
/// </summary>
[TestFixture]
[Category("Onnx")]
public sealed class OnnxVisionTransformerExplainTests
{
    // The input of the last encoder block's attention: its first LayerNorm, as pytorch-grad-cam targets blocks[-1].norm1.
    private const string LastBlockTokens = "/encoder/layers/encoder_layer_1/ln_1/LayerNormalization_output_0";

    private static string ModelPath => FamilyFixtures.PathOf("vit-opset17.onnx");

    private static Tensor Image(int n)
    {
        var vit = FamilyFixtures.Load().Models.Single(m => m.Name == "vit");
        var (input, shape) = vit.Array("input");
        return torch.tensor(input, shape)[n];
    }

    [Test]
    public void Explain_IgosPlusPlusOnImportedViT_GivesAFiniteNonUniformMapReproducibly()
    {
        using var model = OnnxModel.Load(ModelPath);
        using var image = Image(0);
        var options = new IgosPlusPlusOptions { MaskSize = 8, Iterations = 3, IntegrationSteps = 4, Seed = 3 };
        using var explainer = new IgosPlusPlusExplainer(model, options);

        using var map = explainer.Explain(image, 1);
        using var again = explainer.Explain(image, 1);

        map.Saliency.shape.Should().Equal(8L, 8L);
        map.Mask.isfinite().all().item<bool>().Should().BeTrue();
        (map.Mask.min().item<float>() >= 0 && map.Mask.max().item<float>() <= 1).Should().BeTrue("masks stay in [0, 1]");
        map.Saliency.std().item<float>().Should().BeGreaterThan(0, "gradients reach the input through the imported attention");
        map.Trace.Iterations.Should().HaveCount(3);
        again.Saliency.Should().BeCloseTo(map.Saliency, 0, 0);
    }

    [Test]
    public void Attribute_IntegratedGradientsOnImportedViT_AttributionsSumToTheScoreDifference()
    {
        using var model = OnnxModel.Load(ModelPath);
        using var scope = torch.NewDisposeScope();
        var image = Image(1).unsqueeze(0);
        using var explainer = new IntegratedGradientsExplainer(model,
            new IntegratedGradientsOptions { IntegrationSteps = 32, Baseline = new ConstantBaseline(0) });

        var attributions = explainer.Attribute(image, [4L]);

        using var noGrad = torch.no_grad();
        var fx = model.call(image).softmax(1)[0, 4].item<float>();
        var f0 = model.call(torch.zeros_like(image)).softmax(1)[0, 4].item<float>();
        attributions.shape.Should().Equal(image.shape);
        Math.Abs(attributions.sum().item<float>() - (fx - f0)).Should().BeLessThan(2e-3f * Math.Max(1, Math.Abs(fx - f0)),
            "completeness: Σ attributions = F(x) − F(baseline)");
        Math.Abs(fx - f0).Should().BeGreaterThan(1e-4f, "the check must not be trivial");
    }

    [Test]
    public void Explain_GradCamOnViTTokens_EqualsGradCamComputedOnTheTokens()
    {
        using var model = OnnxModel.Load(ModelPath, new OnnxImportOptions { ObservedValues = [LastBlockTokens] });
        var layer = model.ObservedValueModules[LastBlockTokens];
        using var image = Image(2);
        using var explainer = new GradCamExplainer(model, new GradCamOptions
        {
            TargetLayer = layer,
            ReshapeTransform = GradCamTransforms.TokensToGrid(4, 4),
        });

        using var map = explainer.Explain(image, 7);

        // Reference in token space: weights = mean over the 16 patch tokens of d p / d token (p the class probability,
        // Grad-CAM's default score), cam = ReLU(Σ_D w·token).
        using var scope = torch.NewDisposeScope();
        var tap = model.named_modules().Single(m => m.name == layer).module as nn.Module<Tensor, Tensor>;
        Tensor? tokens = null;
        var hook = tap!.register_forward_hook((_, _, output) =>
        {
            tokens = output.DetachFromDisposeScope();
            return output.alias();
        });
        // The input must require gradients, or the tokens have no autograd history (libtorch aborts the process then).
        var x = image.unsqueeze(0).detach().requires_grad_(true);
        var probability = model.call(x).softmax(1)[0, 7];
        hook.remove();
        (tokens is not null).Should().BeTrue("the tap fires through module.call");
        tokens!.shape.Should().Equal(1L, 17L, 32L);
        var gradient = torch.autograd.grad([probability], [tokens])[0];
        var weights = gradient[0, TensorIndex.Slice(1)].mean([0]);
        var expected = (tokens.detach()[0, TensorIndex.Slice(1)] * weights).sum([1]).relu().reshape(4, 4);
        tokens.Dispose();

        map.Saliency.shape.Should().Equal(4L, 4L);
        map.Saliency.Should().BeCloseTo(expected, 1e-5, 1e-6);
        expected.max().item<float>().Should().BeGreaterThan(0, "the check must not be trivial");
    }

    [Test]
    public void Explain_GradCamReshapeTransformReturningTokens_ThrowsArgumentExceptionNamingTheOption()
    {
        using var model = OnnxModel.Load(ModelPath, new OnnxImportOptions { ObservedValues = [LastBlockTokens] });
        using var image = Image(0);
        using var explainer = new GradCamExplainer(model, new GradCamOptions
        {
            TargetLayer = model.ObservedValueModules[LastBlockTokens],
            ReshapeTransform = tokens => tokens.alias(),
        });

        var act = () => explainer.Explain(image, 0);

        act.Should().Throw<ArgumentException>().WithParameterName("options.ReshapeTransform").WithMessage("*[1,K,h,w]*");
    }

    [Test]
    public void TokensToGrid_PatchTokens_LaidOutRowByRowWithTheEmbeddingAsChannels()
    {
        using var scope = torch.NewDisposeScope();
        var tokens = torch.arange(2 * 7 * 3, dtype: ScalarType.Float32).reshape(2, 7, 3);

        var grid = GradCamTransforms.TokensToGrid(2, 3)(tokens);

        grid.shape.Should().Equal(2L, 3L, 2L, 3L);
        // Token 1 + r·3 + c, embedding d, of sample n lands at [n, d, r, c].
        grid[1, 2, 1, 0].item<float>().Should().Be(tokens[1, 1 + 3, 2].item<float>());
        grid[0, 0, 0, 2].item<float>().Should().Be(tokens[0, 3, 0].item<float>());
    }

    [Test]
    public void TokensToGrid_WrongTokenCount_ThrowsArgumentException()
    {
        using var tokens = torch.zeros(1, 10, 4);

        var act = () => GradCamTransforms.TokensToGrid(2, 2)(tokens);

        act.Should().Throw<ArgumentException>().WithMessage("*[N,5,D]*[1,10,4]*");
    }

    [Test]
    public void Load_ObservedValueThatIsNotComputed_ThrowsArgumentExceptionNamingIt()
    {
        var act = () => OnnxModel.Load(ModelPath, new OnnxImportOptions { ObservedValues = ["no_such_value"] });

        act.Should().Throw<ArgumentException>().WithParameterName(nameof(OnnxImportOptions.ObservedValues))
            .Where(e => e.Message.Contains("'no_such_value'"));
    }
}
