using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>
/// The Gaussian noise ε_k of path image k = 1..S, generated from (seed, k) on the images' device, so it is the same
/// however the path images are batched. ε_k has shape [1,C,H,W] and is shared by all images of a batch and by all terms
/// (each image sees N(0, σ²) noise per pixel). The S noise images are generated once, on first use, and kept until
/// disposal (S·C·H·W floats, e.g. 12 MB for S = 20 at 3×224×224): the terms of a fused pass share them instead of
/// regenerating them per term.
/// </summary>
internal sealed class PathNoise : IDisposable
{
    private readonly long _seed;
    private readonly double _std;
    private readonly long[] _shape;
    private readonly int _steps;
    private readonly Device _device;
    private readonly torch.Generator? _generator;
    private Tensor? _all;

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

    /// <summary>ε_k for k = k0..k1 (1-based, inclusive, ≤ S), stacked: [k1−k0+1, 1, C, H, W]. A view of the noise this
    /// object owns: the caller disposes the returned handle, never the noise itself.</summary>
    public Tensor Steps(int k0, int k1)
    {
        if (_generator is null) throw new InvalidOperationException("Noise is disabled.");
        if (k0 < 1 || k1 > _steps || k1 < k0) throw new ArgumentOutOfRangeException(nameof(k1), $"Steps {k0}..{k1} are not within 1..{_steps}.");
        _all ??= Generate();
        return _all.narrow(0, k0 - 1, k1 - k0 + 1);
    }

    public void Dispose()
    {
        _all?.Dispose();
        _generator?.Dispose();
    }

    private Tensor Generate()
    {
        using var scope = torch.NewDisposeScope();
        var list = new Tensor[_steps];
        for (var k = 1; k <= _steps; k++)
        {
            _generator!.manual_seed(Seeds.Mix(_seed, k));
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
