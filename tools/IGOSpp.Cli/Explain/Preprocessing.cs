using System.Globalization;
using IGOSpp.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace IGOSpp.Cli.Explain;

/// <summary>
/// Image file → model input [C,H,W]: decode to pixels in [0,1] (RGB or grey), resize so that the shorter side is
/// <see cref="ResizeShorter"/> (keeping the aspect ratio) and crop the centre <see cref="Height"/>×<see cref="Width"/>
/// — or, when <see cref="ResizeShorter"/> is null, resize straight to H×W — then <c>(x − mean) / std</c> per channel.
/// </summary>
internal sealed record Preprocessing(int Channels, int Height, int Width, int? ResizeShorter, float[] Mean, float[] Std)
{
    /// <summary>Builds the preprocessing from the preset, the explicit options and the model's declared input.</summary>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.Usage"/> when values do not fit together.</exception>
    public static Preprocessing From(ExplainSettings settings, IReadOnlyList<long?>? declared)
    {
        int? declaredChannels = declared is { Count: 4 } && declared[1] is { } c ? (int)c : null;
        (int, int)? declaredSize = declared is { Count: 4 } && declared[2] is { } h && declared[3] is { } w ? ((int)h, (int)w) : null;
        var channels = settings.Channels ?? declaredChannels ?? 3;
        if (channels is not (1 or 3))
            throw new CliException(ExitCodes.Mismatch, $"The model takes {channels}-channel images; igospp reads images as 1 (grey) or 3 (RGB) channels.");
        float[] mean, std;
        int height, width;
        int? shorter;
        switch (settings.Preset)
        {
            case "imagenet":
                (height, width) = settings.Size ?? (224, 224);
                shorter = (int)Math.Round(Math.Min(height, width) * 256.0 / 224.0);
                mean = [0.485f, 0.456f, 0.406f];
                std = [0.229f, 0.224f, 0.225f];
                if (channels != 3 && settings.Mean is null)
                    throw new CliException(ExitCodes.Mismatch,
                        $"Preset imagenet is for RGB images but the model takes {channels} channel(s); use --preset none (with --mean/--std) for it.");
                break;
            case "none":
                (height, width) = settings.Size ?? declaredSize
                    ?? throw new CliException(ExitCodes.Usage, "--preset none needs --size HxW: the model file does not declare its input size.");
                shorter = null;
                mean = [0f];
                std = [1f];
                break;
            default:
                throw new CliException(ExitCodes.Usage, $"Unknown preset '{settings.Preset}' (imagenet or none).");
        }

        mean = Channelwise("--mean", settings.Mean?.ToArray() ?? mean, channels);
        std = Channelwise("--std", settings.Std?.ToArray() ?? std, channels);
        return new Preprocessing(channels, height, width, shorter, mean, std);
    }

    /// <summary>Loads an image. Returns the model input [C,H,W] and the picture [C,H,W] in [0,1]; the caller owns both.</summary>
    /// <exception cref="ImageLoadException">The file does not decode.</exception>
    public (Tensor Input, Tensor Display) Load(string path)
    {
        using var scope = torch.NewDisposeScope();
        Tensor display;
        if (ResizeShorter is { } side)
        {
            var original = ImageIO.Load(path, new ImageLoadOptions { Channels = Channels });
            var (h, w) = (original.shape[1], original.shape[2]);
            var scale = (double)side / Math.Min(h, w);
            var (rh, rw) = (Math.Max(Height, (long)Math.Round(h * scale)), Math.Max(Width, (long)Math.Round(w * scale)));
            var resized = F.interpolate(original.unsqueeze(0), [rh, rw], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true)[0];
            var top = (rh - Height) / 2;
            var left = (rw - Width) / 2;
            display = resized.narrow(1, top, Height).narrow(2, left, Width).clamp(0, 1).contiguous();
        }
        else
        {
            display = ImageIO.Load(path, new ImageLoadOptions { Channels = Channels, Resize = (Width, Height) });
        }

        var input = Normalize(display);
        return (input.MoveToOuterDisposeScope(), display.MoveToOuterDisposeScope());
    }

    /// <summary>Prepares decoded pixels [1 or C, h, w] in [0,1] (e.g. a dataset's images): grey is repeated to RGB when
    /// the model takes 3 channels; resize (and crop) as for files, but bilinear with antialiasing in torch; normalize.
    /// The caller owns the returned [C,H,W] model input; <paramref name="pixels"/> is not modified.</summary>
    public Tensor Prepare(Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        using var scope = torch.NewDisposeScope();
        var x = pixels.shape[0] == Channels ? pixels : pixels.shape[0] == 1 ? pixels.expand(Channels, pixels.shape[1], pixels.shape[2]) :
            throw new ArgumentException($"Expected 1 or {Channels} channels, got {pixels.shape[0]}.", nameof(pixels));
        var (h, w) = (x.shape[1], x.shape[2]);
        Tensor display;
        if (ResizeShorter is { } side)
        {
            var scale = (double)side / Math.Min(h, w);
            var (rh, rw) = (Math.Max(Height, (long)Math.Round(h * scale)), Math.Max(Width, (long)Math.Round(w * scale)));
            var resized = F.interpolate(x.unsqueeze(0), [rh, rw], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true)[0];
            display = resized.narrow(1, (rh - Height) / 2, Height).narrow(2, (rw - Width) / 2, Width).clamp(0, 1);
        }
        else
        {
            display = h == Height && w == Width ? x : F.interpolate(x.unsqueeze(0), [Height, Width], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true)[0].clamp(0, 1);
        }

        return Normalize(display).MoveToOuterDisposeScope();
    }

    private Tensor Normalize(Tensor display)
    {
        var mean = torch.tensor(Mean, [Channels, 1, 1]);
        var std = torch.tensor(Std, [Channels, 1, 1]);
        return ((display - mean) / std).contiguous();
    }

    /// <summary>E.g. "3x224x224".</summary>
    public string Shape => string.Create(CultureInfo.InvariantCulture, $"{Channels}x{Height}x{Width}");

    /// <summary>One line for the report and results.json.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{(ResizeShorter is { } s ? $"shorter side {s}, centre crop {Height}x{Width}" : $"resize to {Height}x{Width}")}, " +
        $"{(Channels == 3 ? "RGB" : "grey")}, mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}]");

    private static float[] Channelwise(string option, float[] values, int channels)
    {
        if (values.Length == channels) return values;
        if (values.Length == 1) return Enumerable.Repeat(values[0], channels).ToArray();
        throw new CliException(ExitCodes.Mismatch, $"{option} gives {values.Length} values but the model takes {channels}-channel images.");
    }
}
