namespace IGOSpp.Internal;

/// <summary>How work is cut into model passes of bounded size (every method and the metric use it).</summary>
internal static class Batching
{
    /// <summary>Items 0 … <paramref name="total"/> − 1 in consecutive ranges of at most <paramref name="size"/> items.</summary>
    public static IEnumerable<(int Start, int Count)> Ranges(int total, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        for (var start = 0; start < total; start += size) yield return (start, Math.Min(size, total - start));
    }

    /// <summary>Number of ranges <see cref="Ranges"/> yields.</summary>
    public static int Count(int total, int size) => (total + size - 1) / size;

    /// <summary>How many items per image fit in a model pass of at most <paramref name="maxBatchSize"/> images when
    /// <paramref name="images"/> images are pushed together (at least 1).</summary>
    public static int PerImage(int maxBatchSize, long images) => (int)Math.Max(1, maxBatchSize / Math.Max(1, images));
}
