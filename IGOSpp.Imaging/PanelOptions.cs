namespace IGOSpp.Imaging;

/// <summary>Layout of <see cref="SaliencyRenderer.Panel"/>.</summary>
public sealed record PanelOptions
{
    private readonly int _tileSize = 224;
    private readonly int _spacing = 8;
    private readonly float _fontSize = 16f;

    /// <summary>The defaults: 224-pixel tiles, 8-pixel spacing, 16-pixel titles.</summary>
    public static PanelOptions Default { get; } = new();

    /// <summary>Side of the square each tile is fitted into, in pixels (16..4096). Default 224.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 16..4096.</exception>
    public int TileSize
    {
        get => _tileSize;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 16, nameof(TileSize));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 4096, nameof(TileSize));
            _tileSize = value;
        }
    }

    /// <summary>Space between and around tiles, in pixels (0..256). Default 8.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 0..256.</exception>
    public int Spacing
    {
        get => _spacing;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(Spacing));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 256, nameof(Spacing));
            _spacing = value;
        }
    }

    /// <summary>Title font size in pixels (6..128). Default 16.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside 6..128 or NaN.</exception>
    public float FontSize
    {
        get => _fontSize;
        init
        {
            if (!(value >= 6f && value <= 128f))
            {
                throw new ArgumentOutOfRangeException(nameof(FontSize), value, "Font size must be in 6..128 pixels.");
            }

            _fontSize = value;
        }
    }
}
