using System.Globalization;

namespace IGOSpp.Internal;

/// <summary>
/// Fails fast, with the estimate, when a setting would need more memory than the machine has, instead of letting the
/// process thrash or be killed. The estimate covers IGOSpp's own buffers only (the model's activations come on top), so
/// it is a lower bound: passing the check does not guarantee that the model fits.
/// </summary>
internal static class MemoryBudget
{
    /// <summary>Bytes available to the process: MemAvailable from /proc/meminfo where it exists, else the GC's view.</summary>
    public static long AvailableBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    return long.Parse(line["MemAvailable:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming <paramref name="paramName"/> when the estimate exceeds
    /// the available memory (checked on the CPU only; device memory cannot be queried through TorchSharp 0.107).</summary>
    public static void Require(long estimateBytes, bool onCpu, string paramName, object value, string advice)
    {
        if (!onCpu) return;
        var available = AvailableBytes();
        if (estimateBytes > available)
            throw new ArgumentOutOfRangeException(paramName, value, string.Create(CultureInfo.InvariantCulture,
                $"This explanation needs at least {estimateBytes / 1e9:F1} GB for IGOSpp's own buffers (the model's activations come on top), " +
                $"but only {available / 1e9:F1} GB are available. {advice}"));
    }

    /// <summary>IGOSpp's buffers for one batch of path images: the images, their intermediates and gradients.</summary>
    public static long PathBatchBytes(long batch, long channels, long height, long width) => batch * channels * height * width * sizeof(float) * 4;
}
