namespace IGOSpp.Imaging;

/// <summary>How <c>SaliencyRenderer.Heatmap</c> maps values to [0, 1].</summary>
public enum HeatmapScaling
{
    /// <summary>Min-max: the smallest value becomes 0 and the largest 1 (a constant map renders as 0).</summary>
    MinMax,

    /// <summary>Values are taken as already in [0, 1] (masks, probabilities) and clamped.</summary>
    Clamp,
}
