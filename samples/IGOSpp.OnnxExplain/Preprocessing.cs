using System.Globalization;
using IGOSpp.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Samples.OnnxExplain;

/// <summary>
/// Turns an image file into a model input [C,H,W]: pixels in [0,1] (RGB or grey, loaded and resized by
/// <see cref="ImageIO"/>), optionally flipped to BGR, then <c>(x·Scale − mean) / std</c> per channel in the model's
/// channel order.
/// </summary>
/// <param name="Shape">The input's [C,H,W].</param>
/// <param name="Scale">Factor applied to the [0,1] pixel values first (255 for models trained on 0–255 pixels).</param>
/// <param name="Normalization">Per-channel mean and std on the scaled values (validated by <see cref="ImageNormalization"/>).</param>
/// <param name="Bgr">Whether the model's channels are in BGR order.</param>
/// <param name="Grey28">Fashion-MNIST style: read the file as a grey 28×28 image and upsample it bilinearly
/// (<c>align_corners</c> false) to H×W with torch, as the default model's head was trained.</param>
internal sealed record Preprocessing(InputShape Shape, float Scale, ImageNormalization Normalization, bool Bgr, bool Grey28)
{
    /// <summary>The default model's preprocessing (see ResNetFashionClassifier.Preprocess in tools/IGOSpp.ResNetHead).</summary>
    public static Preprocessing FashionResNet(InputShape shape) =>
        new(shape, 255f, new ImageNormalization(FashionClassifierOnnx.MeanBgr, [1f, 1f, 1f]), Bgr: true, Grey28: true);

    /// <summary>Loads and preprocesses an image.</summary>
    /// <returns>The model input [C,H,W] and the picture to show [C,H,W] in [0,1] (RGB or grey). The caller owns both.</returns>
    public (Tensor Input, Tensor Display) Load(string path)
    {
        using var scope = torch.NewDisposeScope();
        var (c, h, w) = (Shape.Channels, Shape.Height, Shape.Width);
        Tensor display;
        if (Grey28)
        {
            var grey = ImageIO.Load(path, new ImageLoadOptions { Channels = 1, Resize = (28, 28) });
            display = F.interpolate(grey.unsqueeze(0), [h, w], mode: InterpolationMode.Bilinear, align_corners: false)[0];
            if (c == 3) display = display.expand(3, h, w).contiguous();
        }
        else
        {
            display = ImageIO.Load(path, new ImageLoadOptions { Channels = c, Resize = (w, h) });
        }

        var x = Bgr && c == 3 ? display.flip(0) : display;
        var mean = torch.tensor(Expand(Normalization.Mean, c), [c, 1, 1]);
        var std = torch.tensor(Expand(Normalization.Std, c), [c, 1, 1]);
        var input = ((x * Scale - mean) / std).contiguous();
        return (input.MoveToOuterDisposeScope(), display.MoveToOuterDisposeScope());
    }

    /// <summary>One line describing the preprocessing.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"input {Shape}, {(Grey28 ? "image read as grey 28x28 and upsampled bilinearly, " : "")}pixels x {Scale}, " +
        $"{(Bgr ? "BGR" : "RGB")}, mean [{string.Join(", ", Normalization.Mean)}], std [{string.Join(", ", Normalization.Std)}]");

    private static float[] Expand(IReadOnlyList<float> values, int channels) =>
        values.Count == 1 ? Enumerable.Repeat(values[0], channels).ToArray() : values.ToArray();
}
