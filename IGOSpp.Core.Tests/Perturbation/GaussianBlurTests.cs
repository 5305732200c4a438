using FluentAssertions;
using IGOSpp.Perturbation;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Perturbation;

public sealed class GaussianBlurTests
{
    [Test]
    public void Kernel1D_MatchesHandComputedGaussian()
    {
        // k = 3, σ = 1: weights ∝ [e^-0.5, 1, e^-0.5]
        var e = Math.Exp(-0.5);
        var expected = new[] { e / (1 + 2 * e), 1 / (1 + 2 * e), e / (1 + 2 * e) };
        GaussianBlur.Kernel1D(3, 1).Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Test]
    public void Apply_MatchesHandComputedSeparableBlurWithReflectPadding()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(11);
        var image = torch.rand(1, 2, 5, 6);
        var k = GaussianBlur.Kernel1D(3, 0.8);

        var actual = GaussianBlur.Apply(image, 3, 0.8);

        var x = image.to(ScalarType.Float64).data<double>().ToArray();
        var expected = new double[x.Length];
        int Reflect(int i, int n) => i < 0 ? -i : i >= n ? 2 * n - 2 - i : i;
        for (var c = 0; c < 2; c++)
        {
            var tmp = new double[5, 6];
            for (var i = 0; i < 5; i++)
                for (var j = 0; j < 6; j++)
                    for (var d = -1; d <= 1; d++) tmp[i, j] += k[d + 1] * x[c * 30 + i * 6 + Reflect(j + d, 6)];
            for (var i = 0; i < 5; i++)
                for (var j = 0; j < 6; j++)
                    for (var d = -1; d <= 1; d++) expected[c * 30 + i * 6 + j] += k[d + 1] * tmp[Reflect(i + d, 5), j];
        }

        actual.Should().BeCloseTo(torch.tensor(expected).view(1, 2, 5, 6), rtol: 1e-5, atol: 1e-6);
    }

    [Test]
    public void Apply_ConstantImage_StaysConstant()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.full(1, 3, 20, 20, 0.25f);
        GaussianBlur.Apply(image, 7, 6.25).Should().BeCloseTo(image, rtol: 1e-6, atol: 1e-6);
    }

    [Test]
    public void Apply_KernelTooLargeForImage_Throws()
    {
        using var scope = torch.NewDisposeScope();
        FluentActions.Invoking(() => GaussianBlur.Apply(torch.rand(1, 1, 4, 4), 9, 2))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("kernelSize");
    }

    [TestCase(224, 51, 50.0)]
    [TestCase(28, 7, 6.25)]
    [TestCase(112, 27, 25.0)]
    public void GaussianBlurBaseline_DefaultScalesWithImageSize(int size, int kernel, double sigma)
    {
        var resolved = new GaussianBlurBaseline().ResolveFor(size, size);
        resolved.KernelSize.Should().Be(kernel);
        resolved.Sigma.Should().BeApproximately(sigma, 1e-9);
    }
}
