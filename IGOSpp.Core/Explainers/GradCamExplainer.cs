using IGOSpp.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// Grad-CAM (Selvaraju et al.: "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization",
/// ICCV 2017). With A the target layer's activations <c>[K,h,w]</c> and f the class score:
/// <code>
/// α_k = mean over (i,j) of ∂f/∂A_k(i,j),     cam = ReLU(Σ_k α_k·A_k)   ([h,w], the layer's resolution)
/// </code>
/// <see cref="SaliencyMap.Saliency"/> is cam (unnormalized, at the layer's resolution; <see cref="SaliencyMap.Upsample()"/>
/// brings it to the image), <see cref="SaliencyMap.Mask"/> is 1 − cam/max(cam) (1 everywhere when cam is all zero).
/// The activations are captured with a forward hook on the layer, removed when the call ends (also on exceptions);
/// the gradient is <c>torch.autograd.grad(f, A)</c>, so the model's parameters never receive gradients.
/// </summary>
public sealed class GradCamExplainer : ExplainerBase
{
    /// <summary>The method's name as it appears in <see cref="SaliencyMap.Method"/>.</summary>
    public const string MethodName = "Grad-CAM";

    private readonly nn.Module<Tensor, Tensor> _layer;

    /// <summary>Creates an explainer.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. Not owned.</param>
    /// <param name="options">Settings; null = the last Conv2d and softmax score.</param>
    /// <exception cref="ArgumentNullException">The model is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named as <c>options.Name</c>).</exception>
    /// <exception cref="ArgumentException">The target layer does not exist or is not a tensor-to-tensor module (the
    /// message lists the available names).</exception>
    public GradCamExplainer(nn.Module<Tensor, Tensor> model, GradCamOptions? options = null)
        : base(model)
    {
        Options = options ?? new GradCamOptions();
        Options.Validate(nameof(options));
        var modules = model.named_modules().ToList();
        var names = string.Join(", ", modules.Select(m => m.name));
        if (Options.TargetLayer is null)
        {
            var last = modules.LastOrDefault(m => m.module is Conv2d);
            _layer = last.module as nn.Module<Tensor, Tensor>
                ?? throw new ArgumentException($"The model has no Conv2d layer; set TargetLayer to one of: {names}.", "options.TargetLayer");
            LayerName = last.name;
        }
        else
        {
            var found = modules.FirstOrDefault(m => m.name == Options.TargetLayer);
            if (found.module is null)
                throw new ArgumentException($"The model has no module named '{Options.TargetLayer}'. Available: {names}.", "options.TargetLayer");
            _layer = found.module as nn.Module<Tensor, Tensor>
                ?? throw new ArgumentException($"The module '{Options.TargetLayer}' does not map one tensor to one tensor.", "options.TargetLayer");
            LayerName = found.name;
        }
    }

    /// <summary>The settings.</summary>
    public GradCamOptions Options { get; }

    /// <summary>The name of the layer whose activations are used (resolved from <see cref="GradCamOptions.TargetLayer"/>).</summary>
    public string LayerName { get; }

    /// <inheritdoc />
    public override string Method => MethodName;

    /// <inheritdoc />
    private protected override ScoreFunction Score => Options.Score;

    /// <inheritdoc />
    private protected override IReadOnlyList<SaliencyMap> Run(ExplanationInput input, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Tensor? activation = null;
        Tensor cam;
        using (var hook = new ForwardHook(_layer.register_forward_hook((_, _, output) =>
               {
                   // Keep this handle and pass a new one on: containers such as Sequential dispose the tensor a layer
                   // returns once the next layer has used it. The alias is a view, so gradients reach the kept handle.
                   // The model's own dispose scope (if its forward opens one) must not release the kept handle either:
                   // it leaves that scope here and is disposed below.
                   activation = output.DetachFromDisposeScope();
                   return output.alias();
               })))
        using (torch.enable_grad())
        {
            var x = input.Images.detach().requires_grad_(true);
            var f = TargetScoring.Interleaved(input.Targets, Model.call(x), input.N);
            if (activation is null || (Options.ReshapeTransform is null && activation.dim() != 4) || activation.shape[0] != input.N)
                throw new ArgumentException(
                    $"The layer '{LayerName}' produced {(activation is null ? "nothing (it was not called through module.call)" : TensorGuard.Shape(activation))}; " +
                    $"Grad-CAM needs activations [{input.N},K,h,w] (or a ReshapeTransform that makes them).", "options.TargetLayer");
            try
            {
                var grad = torch.autograd.grad([f.sum()], [activation])[0];
                using (torch.no_grad())
                {
                    var values = Grid(activation.detach(), input.N);
                    var weights = Grid(grad, input.N).mean([2, 3], keepdim: true);
                    cam = (weights * values).sum([1]).relu().to(ScalarType.Float32);
                }
            }
            finally
            {
                activation.Dispose();
            }
        }

        var mask = (1 - SaliencyNormalization.MaxOrZero(cam)).cpu();
        var camCpu = cam.cpu();
        progress?.Report(new ExplanationProgress(1, 1, double.NaN, input.Clock.Elapsed));
        var maps = new SaliencyMap[input.N];
        for (var i = 0; i < input.N; i++)
            maps[i] = new SaliencyMap(MethodName, input.ClassIdOf(i), mask[i], camCpu[i], input.Height, input.Width,
                OptimizationTrace.Empty(input.Clock.Elapsed, input.N, input.N), originalScore: input.OriginalScores[i], target: input.Targets[i]);
        return maps;
    }

    /// <summary>Applies <see cref="GradCamOptions.ReshapeTransform"/> (if any) and checks for <c>[N,K,h,w]</c>.</summary>
    private Tensor Grid(Tensor layerOutput, long n)
    {
        var grid = Options.ReshapeTransform is { } transform ? transform(layerOutput) : layerOutput;
        if (grid is null || grid.dim() != 4 || grid.shape[0] != n)
            throw new ArgumentException(
                $"The ReshapeTransform of layer '{LayerName}' returned {(grid is null ? "null" : TensorGuard.Shape(grid))}; Grad-CAM needs [{n},K,h,w].",
                "options.ReshapeTransform");
        return grid;
    }

    /// <summary>Removes a forward hook when disposed (TorchSharp's HookRemover is not IDisposable).</summary>
    private readonly struct ForwardHook(nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>,
        Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover remover) : IDisposable
    {
        public void Dispose() => remover.remove();
    }
}
