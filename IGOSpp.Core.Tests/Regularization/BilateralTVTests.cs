using FluentAssertions;
using IGOSpp.Perturbation;
using IGOSpp.Regularization;
using IGOSpp.Tests.Support;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Regularization;

public sealed class BilateralTVTests
{
    /// <summary>The definition, written as plain loops over float64 arrays.</summary>
    private static double[] NestedLoopBtv(float[,,,] image, float[,,,] mask, float[,,,] up, double sigma, double beta)
    {
        var n = image.GetLength(0);
        var c = image.GetLength(1);
        var (bigH, bigW) = (image.GetLength(2), image.GetLength(3));
        var (h, w) = (mask.GetLength(2), mask.GetLength(3));
        var result = new double[n];
        for (var s = 0; s < n; s++)
        {
            double tvV = 0, tvH = 0;
            for (var i = 0; i + 1 < h; i++)
                for (var j = 0; j < w; j++) tvV += Math.Pow(Math.Abs(mask[s, 0, i + 1, j] - mask[s, 0, i, j]), beta);
            for (var i = 0; i < h; i++)
                for (var j = 0; j + 1 < w; j++) tvH += Math.Pow(Math.Abs(mask[s, 0, i, j + 1] - mask[s, 0, i, j]), beta);
            var tv = tvV / ((h - 1) * w) + tvH / (h * (w - 1));

            double imgV = 0, imgH = 0;
            for (var i = 0; i + 1 < bigH; i++)
                for (var j = 0; j < bigW; j++)
                {
                    double d2 = 0;
                    for (var ch = 0; ch < c; ch++) d2 += Math.Pow(image[s, ch, i + 1, j] - image[s, ch, i, j], 2);
                    imgV += Math.Exp(-(d2 / c) / sigma) * Math.Pow(Math.Abs(up[s, 0, i + 1, j] - up[s, 0, i, j]), beta);
                }

            for (var i = 0; i < bigH; i++)
                for (var j = 0; j + 1 < bigW; j++)
                {
                    double d2 = 0;
                    for (var ch = 0; ch < c; ch++) d2 += Math.Pow(image[s, ch, i, j + 1] - image[s, ch, i, j], 2);
                    imgH += Math.Exp(-(d2 / c) / sigma) * Math.Pow(Math.Abs(up[s, 0, i, j + 1] - up[s, 0, i, j]), beta);
                }

            result[s] = 0.5 * (tv + imgV / ((bigH - 1) * bigW) + imgH / (bigH * (bigW - 1)));
        }

        return result;
    }

    private static float[,,,] ToArray4(Tensor t)
    {
        var (a, b, c, d) = ((int)t.shape[0], (int)t.shape[1], (int)t.shape[2], (int)t.shape[3]);
        var flat = t.contiguous().data<float>().ToArray();
        var result = new float[a, b, c, d];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
        return result;
    }

    [TestCase(2.0, 0.01)]
    [TestCase(1.0, 0.5)]
    [TestCase(1.5, 0.1)]
    public void Evaluate_RandomInputs_EqualsNestedLoopDefinition(double beta, double sigma)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(7);
        var image = torch.rand(2, 3, 12, 10) * 0.3;
        var mask = torch.rand(2, 1, 5, 4);
        using var btv = new BilateralTV(image, sigma, beta);

        var actual = btv.Evaluate(mask);

        var up = MaskUpsampling.Bilinear(mask, 12, 10);
        var expected = NestedLoopBtv(ToArray4(image), ToArray4(mask), ToArray4(up), sigma, beta);
        actual.Should().BeCloseTo(torch.tensor(expected), rtol: 1e-5, atol: 1e-9);
    }

    [Test]
    public void Evaluate_ConstantMask_IsZero()
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(3);
        var image = torch.rand(1, 3, 16, 16);
        using var btv = new BilateralTV(image);

        btv.Evaluate(torch.full(1, 1, 4, 4, 0.37f)).item<float>().Should().BeApproximately(0f, 1e-12f);
    }

    [Test]
    public void Evaluate_MaskEdgeOnImageEdge_CostsLessThanSameEdgeInFlatRegion()
    {
        using var scope = torch.NewDisposeScope();
        // Image: left half 0, right half 1 (a strong vertical edge between columns 7 and 8).
        var image = torch.zeros(1, 1, 16, 16);
        image[.., .., .., 8..] = 1;
        using var btv = new BilateralTV(image, sigma: 0.01, beta: 2);

        var onEdge = torch.ones(1, 1, 16, 16);
        onEdge[.., .., .., ..8] = 0;    // mask edge exactly at the image edge
        var inFlat = torch.ones(1, 1, 16, 16);
        inFlat[.., .., .., ..4] = 0;    // same edge, in the flat left half

        btv.Evaluate(onEdge).item<float>().Should().BeLessThan(btv.Evaluate(inFlat).item<float>());
    }

    [Test]
    public void TotalVariation_HandComputed()
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.tensor(new float[] { 0, 1, 1, 3 }).view(1, 1, 2, 2);
        // vertical pairs: (0,1), (1,3) → 1 + 4, mean 2.5; horizontal: (0,1), (1,3) → 1 + 4, mean 2.5
        BilateralTV.TotalVariation(mask, 2).item<float>().Should().BeApproximately(5f, 1e-6f);
        BilateralTV.TotalVariation(mask, 1).item<float>().Should().BeApproximately(3f, 1e-6f);
    }

    [Test]
    public void Constructor_InvalidArguments_Throw()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.rand(1, 3, 8, 8);
        FluentActions.Invoking(() => new BilateralTV(image, sigma: 0)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("sigma");
        FluentActions.Invoking(() => new BilateralTV(image, beta: 0.5)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("beta");
        FluentActions.Invoking(() => new BilateralTV(torch.rand(3, 8, 8))).Should().Throw<ArgumentException>().WithParameterName("images");
        using var btv = new BilateralTV(image);
        FluentActions.Invoking(() => btv.Evaluate(torch.rand(2, 1, 4, 4))).Should().Throw<ArgumentException>().WithParameterName("masks");
    }
}
