using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Cli.Explain;

/// <summary>The method keys of <c>--method</c> and the explainers they create.</summary>
internal static class Methods
{
    /// <summary>Every key, in the order of --help.</summary>
    public static readonly IReadOnlyList<string> Keys = ["igospp", "igos", "igosplus", "ig", "gradcam", "rise", "mask"];

    /// <summary>The display name of a key.</summary>
    public static string Title(string key) => key switch
    {
        "igospp" => "iGOS++",
        "igos" => "I-GOS",
        "igosplus" => "iGOS+",
        "ig" => "Integrated Gradients",
        "gradcam" => "Grad-CAM",
        "rise" => "RISE",
        "mask" => "Mask (Fong & Vedaldi)",
        _ => throw new CliException(ExitCodes.Usage, $"Unknown method '{key}' ({string.Join(", ", Keys)})."),
    };

    /// <summary>Creates the explainer; options the method does not have (e.g. --mask-size for ig) are rejected.</summary>
    /// <exception cref="CliException">Exit code <see cref="ExitCodes.Usage"/> for an option the method does not take,
    /// or a value the method's options reject.</exception>
    public static (IExplainer Explainer, string Settings) Create(ExplainSettings s, LoadedModel loaded)
    {
        void Reject(bool given, string option)
        {
            if (given) throw new CliException(ExitCodes.Usage, $"{option} does not apply to --method {s.Method}.");
        }

        Reject(s.Layer is not null && s.Method != "gradcam", "--layer");
        var model = loaded.Module;
        try
        {
            switch (s.Method)
            {
                case "igospp":
                    var pp = new IgosPlusPlusOptions { Seed = s.Seed, MaskSize = s.MaskSize ?? 28, Iterations = s.Iterations ?? 15 };
                    return (new IgosPlusPlusExplainer(model, pp), Describe(pp));
                case "igos":
                    var igos = new IgosOptions { Seed = s.Seed, MaskSize = s.MaskSize ?? 28, Iterations = s.Iterations ?? 15 };
                    return (new IgosExplainer(model, igos), Describe(igos));
                case "igosplus":
                    var plus = new IgosPlusOptions { Seed = s.Seed, MaskSize = s.MaskSize ?? 28, Iterations = s.Iterations ?? 15 };
                    return (new IgosPlusExplainer(model, plus), Describe(plus));
                case "mask":
                    var m = new MeaningfulPerturbationOptions { Seed = s.Seed };
                    if (s.MaskSize is { } ms) m = m with { MaskSize = ms };
                    if (s.Iterations is { } mi) m = m with { Iterations = mi };
                    return (new MeaningfulPerturbationExplainer(model, m), Invariant($"mask {m.MaskSize}x{m.MaskSize}, {m.Iterations} iterations, seed {s.Seed}"));
                case "ig":
                    Reject(s.MaskSize is not null, "--mask-size");
                    Reject(s.Iterations is not null, "--iterations");
                    var ig = new IntegratedGradientsOptions();
                    return (new IntegratedGradientsExplainer(model, ig), Invariant($"{ig.IntegrationSteps} steps, {ig.Quadrature}"));
                case "gradcam":
                    Reject(s.MaskSize is not null, "--mask-size");
                    Reject(s.Iterations is not null, "--iterations");
                    string? layer = s.Layer;
                    if (loaded.Format == "onnx")
                    {
                        // An imported graph has no Conv2d modules: the layer is a graph value, observed at load.
                        if (layer is null)
                            throw new CliException(ExitCodes.Usage,
                                "--method gradcam on an ONNX model needs --layer VALUE: the name of a graph value to weight, e.g. the output of the last convolution block (Netron shows the names).");
                        layer = loaded.ObservedModules[layer];
                    }

                    return (new GradCamExplainer(model, new GradCamOptions { TargetLayer = layer }), $"layer {s.Layer ?? "last Conv2d"}");
                case "rise":
                    Reject(s.MaskSize is not null, "--mask-size");
                    Reject(s.Iterations is not null, "--iterations");
                    var rise = new RiseOptions { Seed = s.Seed };
                    return (new RiseExplainer(model, rise), Invariant($"{rise.MaskCount?.ToString(CultureInfo.InvariantCulture) ?? "default number of"} masks, {rise.GridSize}x{rise.GridSize} grid, p {rise.KeepProbability}, seed {s.Seed}"));
                default:
                    throw new CliException(ExitCodes.Usage, $"Unknown method '{s.Method}' ({string.Join(", ", Keys)}).");
            }
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ExitCodes.Usage, $"--method {s.Method}: {ex.Message}", ex);
        }
    }

    private static string Describe(IgosOptionsBase o) =>
        Invariant($"mask {o.MaskSize}x{o.MaskSize}, {o.Iterations} iterations, {o.IntegrationSteps} integration steps, noise {o.NoiseStd}, seed {o.Seed}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
