using static TorchSharp.torch;

namespace IGOSpp.Targets;

/// <summary>Any function of the model's output (see <see cref="ExplanationTarget.Function"/>): it must return one
/// differentiable score per row, <c>[B]</c>.</summary>
public sealed class FunctionTarget : ExplanationTarget
{
    private readonly Func<Tensor, Tensor> _score;

    /// <summary>Creates the target.</summary>
    /// <param name="description">A short description for traces and reports.</param>
    /// <param name="score">Output <c>[B, ...]</c> → scores <c>[B]</c>; tensors it creates belong to the caller's dispose
    /// scope.</param>
    /// <exception cref="ArgumentException">An empty description or a null function.</exception>
    public FunctionTarget(string description, Func<Tensor, Tensor> score)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        ArgumentNullException.ThrowIfNull(score);
        Description = description;
        _score = score;
    }

    /// <inheritdoc />
    public override string Description { get; }

    /// <inheritdoc />
    public override Tensor Score(Tensor output) => _score(output);
}
