using static TorchSharp.torch;

namespace IGOSpp.Tests.Support;

/// <summary>How well a saliency map ranks the planted square of a <see cref="TestModels.PlantedEvidenceModel"/>.</summary>
public static class PlantedRanking
{
    /// <summary>
    /// The fraction of the k = side² highest-saliency cells that fall inside the square, for a map at the image's
    /// resolution. Chance level is side²/size² (64/784 ≈ 0.08 for the 8-px square on 28×28).
    /// </summary>
    public static double TopCellsInside(Tensor saliency, int size, int top, int left, int side)
    {
        var k = side * side;
        var idx = saliency.flatten().argsort(descending: true)[..k].data<long>().ToArray();
        var inside = idx.Count(i => i / size >= top && i / size < top + side && i % size >= left && i % size < left + side);
        return inside / (double)k;
    }
}
