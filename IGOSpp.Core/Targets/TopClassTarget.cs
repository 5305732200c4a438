using static TorchSharp.torch;

namespace IGOSpp.Targets;

/// <summary>The class the model predicts for the clean image (see <see cref="ExplanationTarget.TopClass"/>); resolved to a
/// <see cref="ClassTarget"/> before explaining.</summary>
public sealed class TopClassTarget : ExplanationTarget
{
    /// <summary>Creates the target.</summary>
    /// <param name="kind">How the predicted class is scored.</param>
    /// <exception cref="ArgumentOutOfRangeException">An unknown kind.</exception>
    public TopClassTarget(ClassScoreKind kind = ClassScoreKind.Probability)
    {
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown class score kind.");
        Kind = kind;
    }

    /// <summary>How the predicted class is scored.</summary>
    public ClassScoreKind Kind { get; }

    /// <inheritdoc />
    public override string Description => "top class";

    /// <inheritdoc />
    public override void Validate(Tensor output, long imageHeight, long imageWidth)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.dim() != 2)
            throw new ArgumentException(
                $"The top-class target needs logits [N,K] from the model, but it returned [{string.Join(",", output.shape)}].");
    }

    /// <inheritdoc />
    public override ExplanationTarget Resolve(Tensor output)
    {
        Validate(output, 1, 1);
        using var argmax = output.argmax(1);
        return new ClassTarget(argmax[0].item<long>(), Kind);
    }

    /// <summary>Not scored directly: explainers resolve the target to the predicted class first (<see cref="Resolve"/>).</summary>
    /// <exception cref="InvalidOperationException">Always.</exception>
    public override Tensor Score(Tensor output) =>
        throw new InvalidOperationException("The top-class target is resolved to the predicted class (Resolve) before it is scored.");
}
