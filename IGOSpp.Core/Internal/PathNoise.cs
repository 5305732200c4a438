using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>
/// The Gaussian noise ε_k of path image k, generated on demand from (seed, k) on the images' device, so it never has
/// to be stored for all S steps and is the same however the path images are batched. ε_k has shape [1,C,H,W] and is
/// shared by all images of a batch and by all terms (each image sees N(0, σ²) noise per pixel).
/// </summary>
internal sealed class PathNoise : IDisposable
{
    private readonly long _seed;
    private readonly double _std;
    private readonly long[] _shape;
    private readonly Device _device;
    private readonly torch.Generator? _generator;

    public PathNoise(long seed, double std, long[] shape, Device device)
    {
        _seed = seed;
        _std = std;
        _shape = shape;
        _device = device;
        if (std > 0) _generator = new torch.Generator(0, device);
    }

    public bool Enabled => _generator is not null;

    /// <summary>ε_k for k = k0..k1 (1-based, inclusive), stacked: [k1−k0+1, 1, C, H, W].</summary>
    public Tensor Steps(int k0, int k1)
    {
        if (_generator is null) throw new InvalidOperationException("Noise is disabled.");
        var list = new Tensor[k1 - k0 + 1];
        for (var k = k0; k <= k1; k++)
        {
            _generator.manual_seed(Seeds.Mix(_seed, k));
            list[k - k0] = torch.randn(_shape, ScalarType.Float32, _device, generator: _generator).mul_(_std);
        }

        return list.Length == 1 ? list[0].unsqueeze(0) : torch.stack(list, 0);
    }

    public void Dispose() => _generator?.Dispose();
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
