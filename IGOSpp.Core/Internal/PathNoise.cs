using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>
/// The Gaussian noise ε_{s,k} of path image k = 1..S in noise stream s, generated from (seed, s, k) on the images'
/// device, so it is the same however the path images are batched. ε_{s,k} has shape [1,C,H,W] and is shared by all
/// images of a batch (each image sees N(0, σ²) noise per pixel) and by the terms of a call that use stream s. A
/// stream's S noise images are generated on first use and kept until disposal (S·C·H·W floats per stream, e.g. 12 MB
/// for S = 20 at 3×224×224), so the images of a batch and the model passes of a term share them.
/// </summary>
internal sealed class PathNoise : IDisposable
{
    private readonly long _seed;
    private readonly double _std;
    private readonly long[] _shape;
    private readonly int _steps;
    private readonly Device _device;
    private readonly torch.Generator? _generator;
    private readonly Dictionary<int, Tensor> _streams = [];

    public PathNoise(long seed, double std, long[] shape, int steps, Device device)
    {
        _seed = seed;
        _std = std;
        _shape = shape;
        _steps = steps;
        _device = device;
        if (std > 0) _generator = new torch.Generator(0, device);
    }

    public bool Enabled => _generator is not null;

    /// <summary>ε_{s,k} for k = k0..k1 (1-based, inclusive, ≤ S) of stream <paramref name="stream"/>, stacked:
    /// [k1−k0+1, 1, C, H, W]. A view of the noise this object owns: the caller disposes the returned handle, never the
    /// noise itself.</summary>
    public Tensor Steps(int stream, int k0, int k1)
    {
        if (_generator is null) throw new InvalidOperationException("Noise is disabled.");
        if (k0 < 1 || k1 > _steps || k1 < k0) throw new ArgumentOutOfRangeException(nameof(k1), $"Steps {k0}..{k1} are not within 1..{_steps}.");
        if (!_streams.TryGetValue(stream, out var all))
        {
            all = Generate(stream);
            _streams[stream] = all;
        }

        return all.narrow(0, k0 - 1, k1 - k0 + 1);
    }

    public void Dispose()
    {
        foreach (var t in _streams.Values) t.Dispose();
        _streams.Clear();
        _generator?.Dispose();
    }

    private Tensor Generate(int stream)
    {
        using var scope = torch.NewDisposeScope();
        // Stream 0 keeps the seeds (seed, k) it had before streams existed.
        var streamSeed = stream == 0 ? _seed : Seeds.Mix(_seed, -stream);
        var list = new Tensor[_steps];
        for (var k = 1; k <= _steps; k++)
        {
            _generator!.manual_seed(Seeds.Mix(streamSeed, k));
            list[k - 1] = torch.randn(_shape, ScalarType.Float32, _device, generator: _generator).mul_(_std);
        }

        var all = torch.stack(list, 0);
        all.DetachFromDisposeScope();
        return all;
    }
}

/// <summary>Deterministic seed derivation (SplitMix64).</summary>
internal static class Seeds
{
    public static long Mix(long seed, long stream)
    {
        unchecked
        {
            var z = (ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(stream + 1);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (long)(z & 0x7FFFFFFFFFFFFFFFUL);
        }
    }
}
