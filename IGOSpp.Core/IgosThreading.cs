using TorchSharp;

namespace IGOSpp;

/// <summary>
/// How many intra-op (OpenMP) threads libtorch uses for an explanation. libtorch's thread count applies to the thread
/// that sets it, so IGOSpp sets it on the calling thread at the start of every explanation (and of every metric
/// evaluation) and restores the previous value at the end.
/// <para>By default, concurrent explanations share the cores: each one runs with
/// max(1, <see cref="MaxIntraOpThreads"/> ÷ number of explanations running in the process) threads, so four threads
/// explaining at once on a 2-core machine use one libtorch thread each instead of oversubscribing the cores (libtorch's
/// OpenMP workers spin while they wait: oversubscription costs far more than the lost parallelism; see
/// docs/performance.md). A single explanation uses all <see cref="MaxIntraOpThreads"/>.</para>
/// <para>Set these once at start-up; they are read at the start of each explanation. Thread-safe.</para>
/// </summary>
public static class IgosThreading
{
    private static int _maxIntraOpThreads; // 0 = null
    private static int _active;

    /// <summary>
    /// Upper bound of the intra-op threads of one explanation, ≥ 1; null (the default) = <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is &lt; 1.</exception>
    public static int? MaxIntraOpThreads
    {
        get => Volatile.Read(ref _maxIntraOpThreads) is var v && v > 0 ? v : null;
        set
        {
            if (value is < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "MaxIntraOpThreads must be ≥ 1 (or null for the processor count).");
            Volatile.Write(ref _maxIntraOpThreads, value ?? 0);
        }
    }

    /// <summary>
    /// When true (the default), concurrent explanations divide <see cref="MaxIntraOpThreads"/> among themselves; when
    /// false each uses <see cref="MaxIntraOpThreads"/>. When <see cref="Enabled"/> is false, IGOSpp does not touch libtorch's
    /// thread count at all.
    /// </summary>
    public static bool ShareCoresBetweenConcurrentExplanations { get; set; } = true;

    /// <summary>When false, IGOSpp never changes libtorch's thread count (the host manages it). Default true.</summary>
    public static bool Enabled { get; set; } = true;

    /// <summary>Number of explanations and metric evaluations running in the process right now.</summary>
    public static int ActiveExplanations => Volatile.Read(ref _active);

    /// <summary>The thread count an explanation starting now would use (given the explanations already running).</summary>
    public static int ThreadsForNewExplanation() => ThreadsFor(ActiveExplanations + 1);

    private static int ThreadsFor(int active)
    {
        var max = MaxIntraOpThreads ?? Environment.ProcessorCount;
        return ShareCoresBetweenConcurrentExplanations ? Math.Max(1, max / Math.Max(1, active)) : max;
    }

    /// <summary>Sets the calling thread's intra-op thread count for one explanation; dispose to restore it.</summary>
    internal static Scope Enter()
    {
        var active = Interlocked.Increment(ref _active);
        if (!Enabled) return new Scope(-1);
        var previous = torch.get_num_threads();
        var wanted = ThreadsFor(active);
        if (wanted != previous) torch.set_num_threads(wanted);
        return new Scope(wanted != previous ? previous : -1);
    }

    internal readonly struct Scope(int previous) : IDisposable
    {
        public void Dispose()
        {
            Interlocked.Decrement(ref _active);
            if (previous > 0) torch.set_num_threads(previous);
        }
    }
}
