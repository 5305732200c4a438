using FluentAssertions;
using IGOSpp.Perturbation;
using NUnit.Framework;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Perturbation;

/// <summary>Bilinear upsampling with align_corners = true, against values computed by hand: the corners of the mask
/// land on the corners of the image, and every other pixel interpolates between its neighbouring cells.</summary>
public sealed class MaskUpsamplingTests
{
    [Test]
    public void Bilinear_TwoByTwoToThreeByThree_InterpolatesBetweenCornerAlignedCells()
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.tensor(new float[] { 0, 1, 2, 3 }, [1, 1, 2, 2]);

        var up = MaskUpsampling.Bilinear(mask, 3, 3);

        up.shape.Should().Equal(1L, 1L, 3L, 3L);
        up.data<float>().ToArray().Should().Equal(0f, 0.5f, 1f, 1f, 1.5f, 2f, 2f, 2.5f, 3f);
    }

    [Test]
    public void Bilinear_OneByTwoToTwoByFive_RepeatsRowsAndSpacesColumnsEvenly()
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.tensor(new float[] { 0, 4 }, [1, 1, 1, 2]);

        var up = MaskUpsampling.Bilinear(mask, 2, 5);

        // Columns at 0, ¼, ½, ¾, 1 of the way from cell 0 to cell 1; one source row, so both rows are equal.
        up.data<float>().ToArray().Should().Equal(0f, 1f, 2f, 3f, 4f, 0f, 1f, 2f, 3f, 4f);
    }

    [Test]
    public void Bilinear_GradientOfTheSum_CountsEachCellsInterpolationWeights()
    {
        using var scope = torch.NewDisposeScope();
        var mask = torch.zeros(1, 1, 2, 2).requires_grad_();

        var up = MaskUpsampling.Bilinear(mask, 3, 3);
        var grad = torch.autograd.grad([up.sum()], [mask])[0];

        // Each corner cell gets weight 1 (its corner) + 2·½ (edge midpoints) + ¼ (centre) = 2.25; the weights of the
        // nine pixels sum to 9.
        grad.data<float>().ToArray().Should().Equal(2.25f, 2.25f, 2.25f, 2.25f);
    }

    [Test]
    public void Bilinear_BadArguments_Throw()
    {
        using var scope = torch.NewDisposeScope();
        FluentActions.Invoking(() => MaskUpsampling.Bilinear(torch.ones(2, 2), 4, 4)).Should().Throw<ArgumentException>().WithParameterName("masks");
        FluentActions.Invoking(() => MaskUpsampling.Bilinear(torch.ones(1, 1, 2, 2), 0, 4)).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("height");
    }
}
