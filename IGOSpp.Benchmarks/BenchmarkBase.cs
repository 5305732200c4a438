using BenchmarkDotNet.Attributes;
using IGOSpp.Benchmarks.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks;

/// <summary>
/// Shared setup: model on the device in eval mode, a seeded image, the class the model predicts; native memory is
/// measured from the end of setup to the end of the run and recorded with the images per operation.
/// </summary>
public abstract class BenchmarkBase
{
    private NativeMemory? _memory;

    protected nn.Module<Tensor, Tensor> Model { get; private set; } = null!;

    protected Tensor Image { get; private set; } = null!;

    protected long ClassId { get; private set; }

    protected long ImagesPerOperation { get; set; }

    /// <summary>The benchmark method that ran last (BenchmarkDotNet runs one method per setup/cleanup cycle).</summary>
    protected string Method { get; set; } = "";

    protected void Setup(ModelCase model, string device)
    {
        Model = model.Create();
        Model.to(Devices.Of(device));
        Model.eval();
        Image = model.Image(Devices.Of(device));
        using (torch.inference_mode())
        using (var logits = Model.call(Image.unsqueeze(0)))
            ClassId = logits.argmax(1).item<long>();
        _memory = NativeMemory.Start(device);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_memory is not null)
        {
            RunMetrics.Record(this, Method, new RunMetrics.Entry(ImagesPerOperation, _memory.PeakDeltaBytes, _memory.GpuPeakDeltaBytes));
            _memory.Dispose();
        }

        DisposeInputs();
        Image?.Dispose();
        Model?.Dispose();
    }

    /// <summary>Disposes what a benchmark set up besides the model and image (called by the cleanup).</summary>
    protected virtual void DisposeInputs()
    {
    }
}
