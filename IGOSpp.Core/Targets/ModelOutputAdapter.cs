using static TorchSharp.torch;

namespace IGOSpp.Targets;

/// <summary>
/// Wraps a model whose forward returns something other than one tensor (a tuple, a dictionary, a record) as the
/// <c>nn.Module&lt;Tensor, Tensor&gt;</c> the explainers take, by selecting (or combining) the tensor to explain:
/// <code>
/// using var wrapped = new ModelOutputAdapter&lt;(Tensor, Tensor)&gt;(detector, o =&gt; o.Item1);
/// </code>
/// The inner model is a registered submodule, as a layer of <c>Sequential</c> is: the explainers' eval mode and
/// gradient settings reach it, it is called with <c>call</c> (hooks fire), and disposing the adapter disposes it.
/// </summary>
/// <typeparam name="TOutput">What the inner model returns.</typeparam>
public sealed class ModelOutputAdapter<TOutput> : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, TOutput> _model;
    private readonly Func<TOutput, Tensor> _select;

    /// <summary>Creates the adapter.</summary>
    /// <param name="model">The model; the adapter owns it from now on.</param>
    /// <param name="select">Picks the tensor to explain from the model's output (e.g. the raw detections).</param>
    /// <exception cref="ArgumentNullException">A null argument.</exception>
    public ModelOutputAdapter(nn.Module<Tensor, TOutput> model, Func<TOutput, Tensor> select) : base(nameof(ModelOutputAdapter<TOutput>))
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(select);
        _model = model;
        _select = select;
        register_module("model", model);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => _select(_model.call(input));
}
