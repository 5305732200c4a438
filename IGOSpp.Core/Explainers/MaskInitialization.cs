using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// Where the I-GOS family's masks start: every cell at <see cref="Value"/> (the paper: 1, nothing deleted), optionally
/// with a rectangular <see cref="Region"/> at <see cref="RegionValue"/>. Starting with a region already deleted makes
/// the optimization look for evidence elsewhere first: explanations from different initializations show different
/// evidence (Jiang, Khorram, Li, "Diverse Explanations for Object Detectors with Nesterov-Accelerated iGOS++",
/// BMVC 2023); see <see cref="IgosDiversity"/>. Validated with the options.
/// </summary>
public sealed record MaskInitialization
{
    /// <summary>The paper's start: every cell at 1.</summary>
    public static MaskInitialization Ones { get; } = new();

    /// <summary>Value of every cell outside <see cref="Region"/>, in [0, 1]. Default 1.</summary>
    public double Value { get; init; } = 1;

    /// <summary>A rectangle in fractions of the mask's side (top, left, height, width; each in [0, 1], height and width
    /// &gt; 0, the rectangle inside the mask), or null for none. Default null.</summary>
    public (double Top, double Left, double Height, double Width)? Region { get; init; }

    /// <summary>Value of the cells in <see cref="Region"/>, in [0, 1]. Default 0 (deleted).</summary>
    public double RegionValue { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid setting as <c>paramName.Name</c>.</summary>
    /// <param name="paramName">Name to report for the initialization.</param>
    public void Validate(string paramName)
    {
        Check(Value >= 0 && Value <= 1, nameof(Value), Value, "must be in [0, 1]");
        Check(RegionValue >= 0 && RegionValue <= 1, nameof(RegionValue), RegionValue, "must be in [0, 1]");
        if (Region is { } r)
        {
            Check(r.Top >= 0 && r.Left >= 0 && r.Height > 0 && r.Width > 0 && r.Top + r.Height <= 1 + 1e-12 && r.Left + r.Width <= 1 + 1e-12,
                nameof(Region), r, "must have top, left ≥ 0, height, width > 0 and lie inside the mask (top + height ≤ 1, left + width ≤ 1)");
        }

        void Check(bool ok, string name, object value, string rule)
        {
            if (!ok)
                throw new ArgumentOutOfRangeException($"{paramName}.{name}", value,
                    string.Create(CultureInfo.InvariantCulture, $"{name} {rule}; got {value}."));
        }
    }

    /// <summary>The masks [n,1,size,size] (a new tensor in the current dispose scope).</summary>
    internal Tensor Create(long n, int size, Device device)
    {
        var mask = torch.full([n, 1, size, size], Value, ScalarType.Float32, device);
        if (Region is { } r)
        {
            var (y0, x0) = ((int)Math.Floor(r.Top * size), (int)Math.Floor(r.Left * size));
            var (y1, x1) = (Math.Max(y0 + 1, (int)Math.Ceiling((r.Top + r.Height) * size)), Math.Max(x0 + 1, (int)Math.Ceiling((r.Left + r.Width) * size)));
            mask[.., .., Math.Min(y0, size - 1)..Math.Min(y1, size), Math.Min(x0, size - 1)..Math.Min(x1, size)] = torch.tensor((float)RegionValue);
        }

        return mask;
    }
}
