using IGOSpp.Targets;

namespace IGOSpp.Cli.Explain;

/// <summary>The settings of one <c>igospp explain</c> run, as parsed from the command line.</summary>
internal sealed record ExplainSettings
{
    /// <summary>The model file: ONNX, TorchScript (a zip archive written by <c>torch.jit.save</c>), or a state dict with
    /// <see cref="Architecture"/>.</summary>
    public required string ModelPath { get; init; }

    /// <summary>For a state dict model file: the architecture (a name of <c>KnownArchitectures.Names</c>); null for
    /// ONNX and TorchScript.</summary>
    public string? Architecture { get; init; }

    /// <summary>For a state dict model file: the number of classes; null reads it from the classifier's weight.</summary>
    public int? ArchitectureClasses { get; init; }

    /// <summary>Image files and folders (searched recursively for PNG, JPEG, WebP and BMP files).</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>Method key: igospp, igos, igosplus, ig, gradcam, rise or mask.</summary>
    public string Method { get; init; } = "igospp";

    /// <summary>The class to explain in every image; null explains each image's top class.</summary>
    public long? ClassId { get; init; }

    /// <summary>Which score of the class is explained and reported: its softmax probability (the default), its logit,
    /// or its sigmoid (multi-label models).</summary>
    public ClassScoreKind Score { get; init; } = ClassScoreKind.Probability;

    /// <summary>--region x,y,w,h: explain class <see cref="ClassId"/>'s mean score over this rectangle of a segmentation
    /// model's output (pixels of the model input); null explains a classifier's class.</summary>
    public (int X, int Y, int Width, int Height)? Region { get; init; }

    /// <summary>--box x1,y1,x2,y2: explain the detection of class <see cref="ClassId"/> that best matches this box
    /// (corners in pixels of the model input), with <see cref="Layout"/>.</summary>
    public (float X1, float Y1, float X2, float Y2)? Box { get; init; }

    /// <summary>--layout: the detector's raw output layout for <see cref="Box"/>.</summary>
    public DetectionLayout? Layout { get; init; }

    /// <summary>Preprocessing preset: imagenet or none.</summary>
    public string Preset { get; init; } = "imagenet";

    /// <summary>Model input height and width; null takes the preset's (imagenet: 224) or the ONNX graph's declared size.</summary>
    public (int Height, int Width)? Size { get; init; }

    /// <summary>Input channels (1 or 3); null takes the ONNX graph's declared count, else 3.</summary>
    public int? Channels { get; init; }

    /// <summary>Per-channel mean on pixels in [0,1]; null takes the preset's (none: 0).</summary>
    public IReadOnlyList<float>? Mean { get; init; }

    /// <summary>Per-channel std on pixels in [0,1]; null takes the preset's (none: 1).</summary>
    public IReadOnlyList<float>? Std { get; init; }

    /// <summary>A text file with one class name per line (line k names class k).</summary>
    public string? LabelsPath { get; init; }

    /// <summary>Mask side for the I-GOS family and Mask; null keeps the method's default (28).</summary>
    public int? MaskSize { get; init; }

    /// <summary>Iterations for the I-GOS family (default 15) and Mask (default 300); null keeps the default.</summary>
    public int? Iterations { get; init; }

    /// <summary>Grad-CAM's target layer; null takes the model's last Conv2d.</summary>
    public string? Layer { get; init; }

    /// <summary>The ONNX graph value holding the class scores; null takes the graph's only output.</summary>
    public string? OutputName { get; init; }

    /// <summary>Seed of the methods that draw random numbers.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Output folder.</summary>
    public string OutputDirectory { get; init; } = "igospp-out";

    /// <summary>This process's share of the images: index (0-based) and count; null takes all images.</summary>
    public (int Index, int Count)? Shard { get; init; }

    /// <summary>Torch intra-op threads; null uses the number of processors.</summary>
    public int? Threads { get; init; }
}
