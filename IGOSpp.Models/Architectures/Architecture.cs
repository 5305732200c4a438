using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace IGOSpp.Models.Architectures;

/// <summary>What the TorchVision rebuilds share.</summary>
internal static class Architecture
{
    /// <summary>TorchVision's initialization of ResNet and VGG: convolutions Kaiming normal (fan_out, ReLU) with zero
    /// bias, batch norm weight 1 and bias 0, linear layers N(0, 0.01) with zero bias for VGG (ResNet keeps PyTorch's
    /// default linear initialization, as TorchVision does).</summary>
    public static void InitializeLikeTorchVision(nn.Module root)
    {
        using var noGrad = no_grad();
        var vgg = root is Vgg;
        foreach (var (_, module) in root.named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    if (conv.bias is { } convBias) nn.init.zeros_(convBias);
                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight);
                    nn.init.zeros_(bn.bias);
                    break;
                case Linear linear when vgg:
                    nn.init.normal_(linear.weight, 0, 0.01);
                    if (linear.bias is { } linearBias) nn.init.zeros_(linearBias);
                    break;
            }
        }
    }
}
