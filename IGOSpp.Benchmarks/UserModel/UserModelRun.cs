using IGOSpp.Benchmarks.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks.UserModel;

/// <summary>
/// One model benchmarked by the <c>model</c> command: a checked, loaded model (on its device, in eval mode) wrapped in a
/// <see cref="PassRecorder"/>, its input shape, the class explained and the explainer settings. Shown by
/// BenchmarkDotNet as the <c>Model</c> parameter (its <see cref="Name"/>).
/// </summary>
public sealed class UserModelCase : IDisposable
{
    public UserModelCase(string name, nn.Module<Tensor, Tensor> model, long[] shape, long classId, ModelCommandOptions settings)
    {
        Name = name;
        Bare = model;
        Recorder = new PassRecorder(model);
        Shape = shape;
        ClassId = classId;
        Settings = settings;
    }

    public string Name { get; }

    /// <summary>The model wrapped in the recorder the explanations run through; <c>Recorder</c>'s inner module is the bare model.</summary>
    public PassRecorder Recorder { get; }

    /// <summary>The bare model (inside <see cref="Recorder"/>), for the replay of its passes.</summary>
    public nn.Module<Tensor, Tensor> Bare { get; }

    public long[] Shape { get; }

    public long ClassId { get; }

    public ModelCommandOptions Settings { get; }

    /// <summary>The passes of the last full explanation (replayed by the "model passes alone" benchmark).</summary>
    public IReadOnlyList<(long Batch, bool Backward)>? ExplainPasses { get; set; }

    /// <summary>Explainer options of the command; in smoke mode (CI dry run) one iteration, two steps, few trials.</summary>
    public IgosPlusPlusOptions Options(int iterations)
    {
        var options = new IgosPlusPlusOptions
        {
            MaskSize = Settings.MaskSize,
            IntegrationSteps = Settings.Steps,
            Iterations = iterations,
            MaxBatchSize = Settings.EffectiveBatchSize,
            Seed = 1,
        };
        return Smoke.Enabled ? options with { Iterations = 1, IntegrationSteps = 2, MinStepSize = 100 } : options;
    }

    /// <summary>Disposes the recorder and the model inside it.</summary>
    public void Dispose() => Recorder.Dispose();

    public override string ToString() => Name;
}

/// <summary>
/// The settings handed from the <c>model</c> command to the in-process benchmark (<see cref="UserModelBenchmarks"/>
/// reads its parameters here), and the measurements handed from the benchmark to the report columns.
/// </summary>
public static class UserModelRun
{
    private static readonly Dictionary<string, Measurement> Measurements = [];

    /// <summary>Images through the model per operation (forward only, forward+backward) and peak native memory.</summary>
    public sealed record Measurement(long ForwardImages, long BackwardImages, long PeakNativeBytes, long PeakGpuBytes);

    /// <summary>The models to benchmark; empty unless the <c>model</c> command runs (then the benchmark has no cases).</summary>
    public static IReadOnlyList<UserModelCase> Cases { get; set; } = [];

    public static void Record(string model, string method, Measurement measurement)
    {
        lock (Measurements) Measurements[model + "|" + method] = measurement;
    }

    public static Measurement? Find(string model, string method)
    {
        lock (Measurements) return Measurements.GetValueOrDefault(model + "|" + method);
    }
}
