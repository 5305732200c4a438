using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>
/// Puts a model in eval mode for the duration of an explanation and restores every submodule's training flag
/// afterwards, also on exceptions. Reference-counted per model, so that explainers on several threads sharing one
/// model do not restore it while another explanation still runs.
/// </summary>
internal sealed class ModelEvalScope : IDisposable
{
    private static readonly ConditionalWeakTable<nn.Module, State> States = new();
    private static readonly Lock Gate = new();
    private readonly nn.Module _model;
    private bool _disposed;

    private ModelEvalScope(nn.Module model) => _model = model;

    public static ModelEvalScope Enter(nn.Module model)
    {
        lock (Gate)
        {
            var state = States.GetOrCreateValue(model);
            if (state.Count == 0)
            {
                state.Saved = [(0, model, model.training)];
                foreach (var (name, module) in model.named_modules())
                    state.Saved.Add((name.Count(ch => ch == '.') + 1, module, module.training));
                state.Saved.Sort((a, b) => a.Depth.CompareTo(b.Depth));
                model.eval();
            }

            state.Count++;
        }

        return new ModelEvalScope(model);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (Gate)
        {
            if (!States.TryGetValue(_model, out var state)) return;
            if (--state.Count > 0) return;
            // Parents first: train(flag) recurses, children then get their own flag back.
            foreach (var (_, module, training) in state.Saved)
                if (module.training != training) module.train(training);
            state.Saved = [];
        }
    }

    private sealed class State
    {
        public int Count;
        public List<(int Depth, nn.Module Module, bool Training)> Saved = [];
    }
}
