using System.Globalization;
using static TorchSharp.torch;

namespace IGOSpp.Targets;

/// <summary>One output value of a regression model: <c>output[:, index]</c> for <c>[N,K]</c> outputs, <c>output</c> for
/// <c>[N]</c> (see <see cref="ExplanationTarget.Regression"/>). Higher values count as "more".</summary>
public sealed class RegressionTarget : ExplanationTarget
{
    /// <summary>Creates the target.</summary>
    /// <param name="outputIndex">Which output, ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative index.</exception>
    public RegressionTarget(long outputIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(outputIndex);
        OutputIndex = outputIndex;
    }

    /// <summary>Which output.</summary>
    public long OutputIndex { get; }

    /// <inheritdoc />
    public override string Description => string.Create(CultureInfo.InvariantCulture, $"output {OutputIndex}");

    /// <inheritdoc />
    public override void Validate(Tensor output, long imageHeight, long imageWidth)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.dim() == 1 && OutputIndex == 0) return;
        if (output.dim() != 2)
            throw new ArgumentException($"A regression target needs outputs [N] or [N,K], but the model returned [{string.Join(",", output.shape)}].");
        if (OutputIndex >= output.shape[1])
            throw new ArgumentOutOfRangeException(null, OutputIndex, $"Output index {OutputIndex} is outside the model's {output.shape[1]} outputs.");
    }

    /// <inheritdoc />
    public override Tensor Score(Tensor output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.dim() == 1 ? output.alias() : output[.., OutputIndex];
    }
}
