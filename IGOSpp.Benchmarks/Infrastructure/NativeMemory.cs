using System.Runtime.InteropServices;

namespace IGOSpp.Benchmarks.Infrastructure;

/// <summary>
/// Peak native memory of a benchmark. BenchmarkDotNet's memory diagnoser sees managed allocations only, and TorchSharp
/// tensors are native, so on the CPU we read the process's resident set from /proc: <see cref="Start"/> records the
/// current RSS and resets the kernel's high-water mark (writing 5 to /proc/self/clear_refs), <see cref="PeakDeltaBytes"/>
/// reads VmHWM − that RSS (after glibc's <c>malloc_trim</c>, so memory earlier benchmarks freed does not hide the peak). On CUDA (TorchSharp 0.107 has no binding of torch.cuda.max_memory_allocated) a background
/// thread samples the device's used memory through NVML every 5 ms.
/// </summary>
internal sealed class NativeMemory : IDisposable
{
    private readonly long _startRss;
    private readonly NvmlSampler? _gpu;

    private NativeMemory(long startRss, NvmlSampler? gpu)
    {
        _startRss = startRss;
        _gpu = gpu;
    }

    public static NativeMemory Start(string device)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Give memory that earlier benchmarks freed back to the kernel, so that the high-water mark starts from what
        // is really in use (with MALLOC_TRIM_THRESHOLD_ raised, glibc would otherwise keep it and hide the new peak).
        if (OperatingSystem.IsLinux())
        {
            try { _ = malloc_trim(0); }
            catch (DllNotFoundException) { }
            catch (EntryPointNotFoundException) { }
        }

        var rss = ReadStatusKb("VmRSS") * 1024;
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return new NativeMemory(rss, device.StartsWith("cuda", StringComparison.Ordinal) ? NvmlSampler.TryStart() : null);
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    /// <summary>Peak RSS since <see cref="Start"/> minus the RSS at start (bytes), or -1 when /proc is unavailable.</summary>
    public long PeakDeltaBytes
    {
        get
        {
            var hwm = ReadStatusKb("VmHWM");
            return hwm < 0 || _startRss < 0 ? -1 : Math.Max(0, hwm * 1024 - _startRss);
        }
    }

    /// <summary>Peak device memory in use minus the value at start (bytes), or -1 without a GPU / NVML.</summary>
    public long GpuPeakDeltaBytes => _gpu?.PeakDeltaBytes ?? -1;

    public void Dispose() => _gpu?.Dispose();

    private static long ReadStatusKb(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key + ":", StringComparison.Ordinal))
                    return long.Parse(line[(key.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        return -1;
    }

    /// <summary>Samples GPU 0's used memory through NVML (libnvidia-ml); best effort, silent when NVML is absent.</summary>
    private sealed class NvmlSampler : IDisposable
    {
        private readonly IntPtr _device;
        private readonly ulong _start;
        private readonly Thread _thread;
        private volatile bool _stop;
        private ulong _peak;

        private NvmlSampler(IntPtr device, ulong start)
        {
            _device = device;
            _start = start;
            _peak = start;
            _thread = new Thread(Loop) { IsBackground = true, Name = "nvml-sampler" };
            _thread.Start();
        }

        public long PeakDeltaBytes => (long)(Interlocked.Read(ref _peak) - _start);

        public static NvmlSampler? TryStart()
        {
            try
            {
                if (Native.nvmlInit_v2() != 0 || Native.nvmlDeviceGetHandleByIndex_v2(0, out var device) != 0) return null;
                return Native.nvmlDeviceGetMemoryInfo(device, out var info) == 0 ? new NvmlSampler(device, info.Used) : null;
            }
            catch (DllNotFoundException) { return null; }
            catch (EntryPointNotFoundException) { return null; }
        }

        private void Loop()
        {
            while (!_stop)
            {
                if (Native.nvmlDeviceGetMemoryInfo(_device, out var info) == 0 && info.Used > Interlocked.Read(ref _peak))
                    Interlocked.Exchange(ref _peak, info.Used);
                Thread.Sleep(5);
            }
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct MemoryInfo
        {
            public ulong Total;
            public ulong Free;
            public ulong Used;
        }

        private static class Native
        {
            private const string Lib = "nvidia-ml";

            [DllImport(Lib)]
            public static extern int nvmlInit_v2();

            [DllImport(Lib)]
            public static extern int nvmlDeviceGetHandleByIndex_v2(uint index, out IntPtr device);

            [DllImport(Lib)]
            public static extern int nvmlDeviceGetMemoryInfo(IntPtr device, out MemoryInfo memory);
        }
    }
}
