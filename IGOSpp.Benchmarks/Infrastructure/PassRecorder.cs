using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks.Infrastructure;

/// <summary>
/// Wraps a model and records every pass an explainer makes through it: batch size and whether gradients were on
/// (forward+backward) or off (forward only). <see cref="Replay"/> then pushes the same batches through the bare model
/// — the cost of the model alone, to which an explanation's time is compared (the overhead ratio).
/// </summary>
public sealed class PassRecorder : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _inner;

    public PassRecorder(nn.Module<Tensor, Tensor> inner) : base(nameof(PassRecorder))
    {
        _inner = inner;
        register_module("inner", inner);
    }

    public List<(long Batch, bool Backward)> Passes { get; } = [];

    public long ForwardImages => Passes.Where(p => !p.Backward).Sum(p => p.Batch);

    public long BackwardImages => Passes.Where(p => p.Backward).Sum(p => p.Batch);

    public override Tensor forward(Tensor x)
    {
        Passes.Add((x.shape[0], torch.is_grad_enabled()));
        return _inner.call(x);
    }

    /// <summary>Runs the recorded passes on the bare model with random inputs of the given per-image shape: forward
    /// only in inference mode, or forward and input-gradient backward of the summed class-0 softmax score.</summary>
    public static void Replay(nn.Module<Tensor, Tensor> model, IEnumerable<(long Batch, bool Backward)> passes, long[] imageShape, Device device)
    {
        foreach (var (batch, backward) in passes)
        {
            using var scope = torch.NewDisposeScope();
            var x = torch.randn([batch, .. imageShape], device: device);
            if (backward)
            {
                using var grad = torch.enable_grad();
                x.requires_grad_(true);
                var score = model.call(x).log_softmax(1)[.., 0].exp().sum();
                torch.autograd.grad([score], [x]);
            }
            else
            {
                using var inference = torch.inference_mode();
                model.call(x);
            }
        }
    }
}
