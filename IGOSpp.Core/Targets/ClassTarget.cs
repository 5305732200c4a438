using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Targets;

/// <summary>The probability, logit or sigmoid of one class of <c>[N,K]</c> logits (see
/// <see cref="ExplanationTarget.ClassProbability"/>).</summary>
public sealed class ClassTarget : ExplanationTarget
{
    /// <summary>Creates the target.</summary>
    /// <param name="classId">The class, ≥ 0.</param>
    /// <param name="kind">How the class's logit becomes the score.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative class or an unknown kind.</exception>
    public ClassTarget(long classId, ClassScoreKind kind = ClassScoreKind.Probability)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(classId);
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown class score kind.");
        Class = classId;
        Kind = kind;
    }

    /// <summary>The class.</summary>
    public long Class { get; }

    /// <summary>How the class's logit becomes the score.</summary>
    public ClassScoreKind Kind { get; }

    /// <inheritdoc />
    public override long? ClassId => Class;

    /// <inheritdoc />
    public override string Description =>
        (Kind switch { ClassScoreKind.Probability => "p", ClassScoreKind.Logit => "logit", _ => "sigmoid" }) +
        "(class " + Class.ToString(CultureInfo.InvariantCulture) + ")";

    /// <inheritdoc />
    public override void Validate(Tensor output, long imageHeight, long imageWidth)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.dim() != 2)
            throw new ArgumentException(
                $"A class target needs logits [N,K] from the model, but it returned [{string.Join(",", output.shape)}]; for other outputs use a segmentation, detection, regression or function target.");
        if (Class >= output.shape[1])
            throw new ArgumentOutOfRangeException(null, Class, $"Class id {Class} is outside the model's {output.shape[1]} outputs [0, {output.shape[1] - 1}].");
    }

    /// <inheritdoc />
    public override Tensor Score(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var index = torch.full([output.shape[0], 1], Class, ScalarType.Int64, output.device);
        return Kind switch
        {
            ClassScoreKind.Probability => output.log_softmax(1).gather(1, index).squeeze(1).exp(),
            ClassScoreKind.Logit => output.gather(1, index).squeeze(1),
            _ => output.gather(1, index).squeeze(1).sigmoid(),
        };
    }
}
