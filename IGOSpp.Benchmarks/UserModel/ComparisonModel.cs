using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks.UserModel;

/// <summary>The built-in model that <c>model --compare</c> benchmarks next to the user's: the ResNet-18-shaped network
/// at 3×224×224 (<see cref="ModelCase.ResNet224"/> is defined from it). Kept apart from the other cases so that the
/// runner's files compile on their own in the igospp tool (<c>igospp bench</c>).</summary>
public static class ComparisonModel
{
    /// <summary>The case's name in the reports.</summary>
    public const string Name = "resnet18-224";

    /// <summary>The input shape [C,H,W].</summary>
    public static long[] Shape => [3, 224, 224];

    /// <summary>A new ResNet-18 with seeded random weights. The caller owns it.</summary>
    public static nn.Module<Tensor, Tensor> Create() => new Models.ResNet18();
}
