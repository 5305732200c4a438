namespace IGOSpp.Imaging;

/// <summary>Appearance of the <c>SaliencyRenderer.CurveChart</c> overloads.</summary>
public sealed record CurveChartOptions
{
    private readonly int _width = 640;
    private readonly int _height = 420;
    private readonly string _title = string.Empty;
    private readonly string _xLabel = "Fraction of cells";
    private readonly string _yLabel = "Score";

    /// <summary>The defaults: 640 × 420 pixels, no title.</summary>
    public static CurveChartOptions Default { get; } = new();

    /// <summary>Chart width in pixels (200..8192). Default 640.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 200..8192.</exception>
    public int Width
    {
        get => _width;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 200, nameof(Width));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 8192, nameof(Width));
            _width = value;
        }
    }

    /// <summary>Chart height in pixels (150..8192). Default 420.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 150..8192.</exception>
    public int Height
    {
        get => _height;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 150, nameof(Height));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 8192, nameof(Height));
            _height = value;
        }
    }

    /// <summary>Title drawn above the plot; empty for none. Default empty.</summary>
    /// <exception cref="ArgumentNullException">Null.</exception>
    public string Title
    {
        get => _title;
        init => _title = value ?? throw new ArgumentNullException(nameof(Title));
    }

    /// <summary>X axis label. Default "Fraction of cells".</summary>
    /// <exception cref="ArgumentNullException">Null.</exception>
    public string XLabel
    {
        get => _xLabel;
        init => _xLabel = value ?? throw new ArgumentNullException(nameof(XLabel));
    }

    /// <summary>Y axis label. Default "Score".</summary>
    /// <exception cref="ArgumentNullException">Null.</exception>
    public string YLabel
    {
        get => _yLabel;
        init => _yLabel = value ?? throw new ArgumentNullException(nameof(YLabel));
    }
}
