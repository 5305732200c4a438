using BenchmarkDotNet.Attributes;
using IGOSpp.Benchmarks.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks.UserModel;

/// <summary>
/// The <c>model</c> command's benchmark (its parameters come from <see cref="UserModelRun.Cases"/>): one mask-update
/// iteration, one full explanation, and the same model passes as that explanation replayed on the bare model (the
/// overhead column divides the two). Native memory is measured from the end of setup to the end of each benchmark.
/// </summary>
public class UserModelBenchmarks
{
    private NativeMemory? _memory;
    private Tensor? _image;
    private string _method = "";
    private long _forwardImages;
    private long _backwardImages;

    [ParamsSource(nameof(Models))]
    public UserModelCase Model { get; set; } = null!;

    /// <summary>Shown in the report; the benchmarks use <see cref="UserModelCase.Settings"/> (one value per run).</summary>
    [ParamsSource(nameof(DeviceNames))]
    public string Device { get; set; } = "cpu";

    [ParamsSource(nameof(MaskSizes))]
    public int Mask { get; set; }

    [ParamsSource(nameof(StepCounts))]
    public int Steps { get; set; }

    [ParamsSource(nameof(BatchSizes))]
    public int Batch { get; set; }

    public static IEnumerable<UserModelCase> Models() => UserModelRun.Cases;

    public static IEnumerable<string> DeviceNames() => UserModelRun.Cases.Select(c => c.Settings.Device).Distinct().Take(1);

    public static IEnumerable<int> MaskSizes() => UserModelRun.Cases.Select(c => c.Settings.MaskSize).Distinct().Take(1);

    public static IEnumerable<int> StepCounts() => UserModelRun.Cases.Select(c => c.Settings.Steps).Distinct().Take(1);

    public static IEnumerable<int> BatchSizes() => UserModelRun.Cases.Select(c => c.Settings.EffectiveBatchSize).Distinct().Take(1);

    [GlobalSetup(Targets = [nameof(MaskUpdate), nameof(Explain)])]
    public void Setup()
    {
        using (var batch = UserModelLoader.Image(Model.Shape, Model.Settings.Device))
            _image = batch[0];
        _memory = NativeMemory.Start(Model.Settings.Device);
    }

    /// <summary>Records the passes of one explanation (untimed) when the Explain benchmark has not run before.</summary>
    [GlobalSetup(Target = nameof(ModelPassesAlone))]
    public void SetupReplay()
    {
        if (Model.ExplainPasses is null)
        {
            using var batch = UserModelLoader.Image(Model.Shape, Model.Settings.Device);
            using var image = batch[0];
            Model.Recorder.Passes.Clear();
            using var explainer = new IgosPlusPlusExplainer(Model.Recorder, Model.Options(Model.Settings.Iterations));
            explainer.Explain(image, Model.ClassId).Dispose();
            Model.ExplainPasses = [.. Model.Recorder.Passes];
        }

        _memory = NativeMemory.Start(Model.Settings.Device);
    }

    [Benchmark(Description = "mask update (1 iteration)")]
    public double MaskUpdate() => Run(1, nameof(MaskUpdate));

    [Benchmark(Description = "Explain")]
    public double Explain()
    {
        var loss = Run(Model.Settings.Iterations, nameof(Explain));
        Model.ExplainPasses = [.. Model.Recorder.Passes];
        return loss;
    }

    [Benchmark(Description = "model passes alone (same as Explain)")]
    public int ModelPassesAlone()
    {
        var passes = Model.ExplainPasses!;
        PassRecorder.Replay(Model.Bare, passes, Model.Shape, Devices.Of(Model.Settings.Device));
        _method = nameof(ModelPassesAlone);
        _forwardImages = passes.Where(p => !p.Backward).Sum(p => p.Batch);
        _backwardImages = passes.Where(p => p.Backward).Sum(p => p.Batch);
        return passes.Count;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_memory is not null)
        {
            UserModelRun.Record(Model.Name, _method, new UserModelRun.Measurement(_forwardImages, _backwardImages, _memory.PeakDeltaBytes, _memory.GpuPeakDeltaBytes));
            _memory.Dispose();
            _memory = null;
        }

        _image?.Dispose();
        _image = null;
    }

    private double Run(int iterations, string method)
    {
        Model.Recorder.Passes.Clear();
        using var explainer = new IgosPlusPlusExplainer(Model.Recorder, Model.Options(iterations));
        using var map = explainer.Explain(_image!, Model.ClassId);
        _method = method;
        _forwardImages = Model.Recorder.ForwardImages;
        _backwardImages = Model.Recorder.BackwardImages;
        return map.Trace.Iterations[^1].Loss;
    }
}
