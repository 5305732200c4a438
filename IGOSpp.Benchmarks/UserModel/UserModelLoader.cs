using IGOSpp.Models;
using System.Runtime.InteropServices;
using IGOSpp.Benchmarks.Infrastructure;
using IGOSpp.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks.UserModel;

/// <summary>What <see cref="UserModelLoader.Check"/> found out about a model.</summary>
/// <param name="Classes">Number of classes K of the output [N, K].</param>
/// <param name="PredictedClass">The class the model predicts for the seeded random image (the class to explain).</param>
/// <param name="Flattened">The output had trailing 1×1 dimensions ([N, K, 1, 1], e.g. a feature extractor) and is
/// flattened to [N, K] by <see cref="UserModelLoader.Prepare"/>.</param>
public sealed record ModelCheck(long Classes, long PredictedClass, bool Flattened);

/// <summary>
/// Loads a user's model through the library's loaders and checks that it can be explained: it accepts a batch of
/// random images of the given shape on the given device and returns class scores [N, K].
/// </summary>
public static class UserModelLoader
{
    /// <summary>Loads the model file. The caller owns the returned module and must dispose it.</summary>
    /// <param name="format">How the file is stored.</param>
    /// <param name="path">The model file.</param>
    /// <param name="architecture">With <see cref="ModelFormat.StateDict"/>: a name of <see cref="KnownArchitectures.Names"/>.</param>
    /// <param name="classes">With <see cref="ModelFormat.StateDict"/>: the number of classes; null reads it from the file.</param>
    /// <exception cref="ArgumentException">A state dict without an architecture, or an unknown one.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a model of the given format (or uses something the loader
    /// does not support), or a state dict whose keys or shapes do not fit the architecture.</exception>
    public static nn.Module<Tensor, Tensor> Load(ModelFormat format, string path, string? architecture = null, int? classes = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        try
        {
            return format switch
            {
                ModelFormat.Onnx => OnnxModel.Load(path),
                ModelFormat.StateDict => KnownArchitectures.Load(
                    architecture ?? throw new ArgumentException("A state dict needs its architecture (--arch NAME).", nameof(architecture)), path, classes),
                _ => LoadTorchScript(path),
            };
        }
        catch (NotSupportedException ex)
        {
            throw new InvalidDataException($"ONNX model '{path}' cannot be imported: {ex.Message}", ex);
        }
    }

    /// <summary>Loads a TorchScript file (saved with <c>torch.jit.save</c>) on the CPU with the library's loader.</summary>
    /// <exception cref="InvalidDataException">The file is not a TorchScript archive.</exception>
    public static nn.Module<Tensor, Tensor> LoadTorchScript(string path) => ModelLoader.LoadTorchScript(path);

    /// <summary>
    /// Moves the model to <paramref name="device"/> in eval mode, runs it on a seeded random batch of two images of
    /// <paramref name="shape"/> and checks the output is [2, K] with K ≥ 2 finite scores.
    /// </summary>
    /// <exception cref="InvalidOperationException">CUDA is asked but unavailable, the model rejects the input, or its
    /// output does not have the shape [N, K] (or [N, K, 1, 1]). The message says what was received.</exception>
    public static ModelCheck Check(nn.Module<Tensor, Tensor> model, long[] shape, string device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shape);
        if (device == "cuda" && !Devices.Available().Contains("cuda"))
            throw new InvalidOperationException(
                "--device cuda was asked but CUDA is not available: build with -p:TorchBackend=cuda-linux (or cuda-windows) on a machine with an NVIDIA GPU, or use --device cpu.");
        using var scope = torch.NewDisposeScope();
        model.to(Devices.Of(device));
        model.eval();
        var input = Image(shape, device, batch: 2);
        Tensor output;
        try
        {
            using var inference = torch.inference_mode();
            output = model.call(input);
        }
        catch (Exception ex) when (ex is ExternalException or ArgumentException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new InvalidOperationException(
                $"The model rejects a batch of random images of shape [2, {string.Join(", ", shape)}] (--input {ModelCommandOptions.FormatShape(shape)}): {FirstLine(ex.Message)}", ex);
        }

        var flattened = output.dim() > 2 && output.shape.Skip(2).All(d => d == 1);
        if (output.dim() < 2 || output.shape[0] != 2 || (output.dim() > 2 && !flattened) || output.shape[1] < 2)
            throw new InvalidOperationException(
                $"The model must return class scores [N, K] (K ≥ 2) for a batch of N images; for a batch of 2 images of shape " +
                $"{ModelCommandOptions.FormatShape(shape)} it returned [{string.Join(", ", output.shape)}].");
        if (!torch.isfinite(output).all().item<bool>())
            throw new InvalidOperationException("The model returns non-finite scores (NaN or infinity) for random images.");
        var scores = output.flatten(1);
        return new ModelCheck(scores.shape[1], scores[0].argmax().item<long>(), flattened);
    }

    /// <summary>The model the benchmarks use: flattened to [N, K] when <see cref="ModelCheck.Flattened"/>.</summary>
    public static nn.Module<Tensor, Tensor> Prepare(nn.Module<Tensor, Tensor> model, ModelCheck check) =>
        check.Flattened ? new FlattenScores(model) : model;

    /// <summary>A seeded random batch of images (seed 7, as the built-in cases), on <paramref name="device"/>; the first
    /// image is the one explained. The caller owns the returned tensor.</summary>
    public static Tensor Image(long[] shape, string device, long batch = 1)
    {
        var generator = new torch.Generator(7);
        return torch.randn([batch, .. shape], generator: generator).to(Devices.Of(device));
    }

    private static string FirstLine(string message) =>
        message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? message;

    /// <summary>A TorchScript module seen as a <c>Module&lt;Tensor, Tensor&gt;</c> (what the explainers take).</summary>


    /// <summary>Flattens an output [N, K, 1, …, 1] to [N, K].</summary>
    private sealed class FlattenScores : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> _inner;

        public FlattenScores(nn.Module<Tensor, Tensor> inner) : base(nameof(FlattenScores))
        {
            _inner = inner;
            register_module("inner", inner);
        }

        public override Tensor forward(Tensor input) => _inner.call(input).flatten(1);
    }
}
