using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Perturbation;

/// <summary>A constant baseline, e.g. 0 (the dataset mean after normalization) or a gray value.</summary>
public sealed class ConstantBaseline : IBaseline
{
    /// <summary>Creates a constant baseline.</summary>
    /// <param name="value">The value of every baseline pixel (in the preprocessed space), finite.</param>
    public ConstantBaseline(double value = 0)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "The value must be finite.");
        Value = value;
    }

    /// <summary>The value of every baseline pixel.</summary>
    public double Value { get; }

    /// <inheritdoc />
    public Tensor Create(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return torch.full_like(images, Value);
    }

    /// <inheritdoc />
    public override string ToString() => $"Constant({Value.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
}
