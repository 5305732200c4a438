using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using IGOSpp.Benchmarks.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Benchmarks.UserModel;

/// <summary>A MaxBatchSize recommendation and the figures behind it.</summary>
/// <param name="SmallBatch">The smaller measured batch.</param>
/// <param name="SmallBytes">Peak native memory of a forward+backward pass of <paramref name="SmallBatch"/> images.</param>
/// <param name="LargeBatch">The larger measured batch.</param>
/// <param name="LargeBytes">Peak native memory of a forward+backward pass of <paramref name="LargeBatch"/> images.</param>
/// <param name="AvailableBytes">MemAvailable of /proc/meminfo, or -1 when unknown.</param>
/// <param name="Cap">4·S: one iteration's integrated terms never pass more images at once.</param>
/// <param name="Recommended">The recommended MaxBatchSize, or null when memory could not be measured.</param>
/// <param name="Reasoning">The lines printed to explain the recommendation.</param>
public sealed record BatchAdvice(int SmallBatch, long SmallBytes, int LargeBatch, long LargeBytes, long AvailableBytes, int Cap, int? Recommended, string Reasoning)
{
    /// <summary>Bytes per image of the linear fit through the two measurements.</summary>
    public double BytesPerImage => (LargeBytes - SmallBytes) / (double)(LargeBatch - SmallBatch);

    /// <summary>Fixed bytes (intercept) of the linear fit.</summary>
    public double FixedBytes => SmallBytes - BytesPerImage * SmallBatch;
}

/// <summary>
/// Recommends <c>IgosPlusPlusOptions.MaxBatchSize</c> for the memory of this machine: measures the peak native memory
/// of a forward+backward pass (what the integrated gradient does) at two batch sizes, fits memory = a + b·batch, and
/// picks the largest batch whose fitted memory is at most half of MemAvailable, capped at 4·S.
/// </summary>
public static class BatchSizeAdvisor
{
    /// <summary>Measures and recommends (CPU only: device memory is not readable through TorchSharp 0.107).</summary>
    public static BatchAdvice Advise(nn.Module<Tensor, Tensor> model, long[] shape, string device, int steps)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var cap = 4 * steps;
        int small = Smoke.Enabled ? 1 : 2, large = Smoke.Enabled ? 2 : 8;
        ForwardBackward(model, shape, device, 1); // warm-up: lazy initialisation and allocator pools are not per-image memory
        var smallBytes = Measure(model, shape, device, small);
        var largeBytes = Measure(model, shape, device, large);
        var available = device == "cpu" ? MemAvailableBytes() : -1;
        var advice = new BatchAdvice(small, smallBytes, large, largeBytes, available, cap, null, "");
        var text = new StringBuilder();
        text.AppendLine(Invariant($"MaxBatchSize recommendation ({device}):"));
        text.AppendLine(Invariant($"  peak native memory of one forward+backward pass: batch {small}: {Mb(smallBytes)}, batch {large}: {Mb(largeBytes)}"));
        if (smallBytes < 0 || largeBytes < 0 || available < 0)
        {
            text.AppendLine(device == "cpu"
                ? "  /proc is not readable here: no recommendation (the library default is 64)."
                : "  device memory is not readable through TorchSharp 0.107: no recommendation; the figures above are device memory (NVML).");
            return advice with { Reasoning = text.ToString() };
        }

        var recommended = Recommend(advice.FixedBytes, advice.BytesPerImage, available, cap);
        text.AppendLine(Invariant($"  linear fit: {Mb(advice.FixedBytes)} + {Mb(advice.BytesPerImage)} per image"));
        text.AppendLine(Invariant($"  MemAvailable {Mb(available)}; budget 50% = {Mb(available / 2)}"));
        var byMemory = advice.BytesPerImage > 0 ? (long)Math.Floor((available / 2.0 - Math.Max(0, advice.FixedBytes)) / advice.BytesPerImage) : long.MaxValue;
        text.AppendLine(byMemory == long.MaxValue
            ? "  the memory per image is too small to measure: memory does not limit the batch"
            : Invariant($"  largest batch within the budget: {byMemory}"));
        text.AppendLine(Invariant($"  cap 4·S = {cap} (one iteration passes at most 4·S images of a term at once)"));
        text.AppendLine(Invariant($"  recommended MaxBatchSize = {recommended} (fitted peak {Mb(Math.Max(0, advice.FixedBytes) + advice.BytesPerImage * recommended)})"));
        return advice with { Recommended = recommended, Reasoning = text.ToString() };
    }

    /// <summary>
    /// The largest batch in [1, <paramref name="cap"/>] with max(0, fixed) + perImage·batch ≤ available / 2 (1 when
    /// even one image does not fit: smaller is impossible).
    /// </summary>
    public static int Recommend(double fixedBytes, double bytesPerImage, long availableBytes, int cap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cap, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(availableBytes);
        if (bytesPerImage <= 0) return cap;
        var fits = Math.Floor((availableBytes / 2.0 - Math.Max(0, fixedBytes)) / bytesPerImage);
        return (int)Math.Clamp(fits, 1, cap);
    }

    /// <summary>MemAvailable of /proc/meminfo in bytes, or -1 when it cannot be read.</summary>
    public static long MemAvailableBytes(string path = "/proc/meminfo")
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                var parts = line["MemAvailable:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return -1;
    }

    private static long Measure(nn.Module<Tensor, Tensor> model, long[] shape, string device, int batch)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TrimMalloc();
        using var memory = Infrastructure.NativeMemory.Start(device);
        ForwardBackward(model, shape, device, batch);
        return device == "cpu" ? memory.PeakDeltaBytes : memory.GpuPeakDeltaBytes;
    }

    private static void ForwardBackward(nn.Module<Tensor, Tensor> model, long[] shape, string device, int batch)
    {
        using var scope = torch.NewDisposeScope();
        using var grad = torch.enable_grad();
        var x = torch.randn([batch, .. shape], device: Devices.Of(device)).requires_grad_(true);
        var score = model.call(x).log_softmax(1)[.., 0].exp().sum();
        torch.autograd.grad([score], [x]);
    }

    /// <summary>Returns freed heap memory to the kernel, so that the next peak RSS is measured from a clean start.</summary>
    private static void TrimMalloc()
    {
        try { _ = MallocTrim(0); }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static string Mb(double bytes) => Invariant($"{bytes / (1024.0 * 1024.0):F1} MB");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
