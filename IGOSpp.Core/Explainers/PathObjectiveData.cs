using IGOSpp.Internal;
using IGOSpp.Regularization;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// What the I-GOS family's objectives keep for one explanation: the images I, baselines Ĩ, their difference I − Ĩ
/// (computed once), the class ids, the noise seeds and the regularizer R(M) = λ1·mean|1 − M| + λ2·TV(M), with the
/// bilateral TV when it is on. Owns I − Ĩ and the bilateral weights; the images, baselines and classes stay the
/// caller's.
/// </summary>
internal sealed class PathObjectiveData : IDisposable
{
    private readonly Tensor _images;
    private readonly Tensor _baselines;
    private readonly Tensor _delta;
    private readonly Tensor _classes;
    private readonly BilateralTV? _btv;
    private readonly double _l1;
    private readonly double _l2;
    private readonly double _tvBeta;

    public PathObjectiveData(Tensor images, Tensor baselines, Tensor classes, long seed,
        double l1, double l2, bool bilateralTV, double btvSigma, double tvBeta, bool shareNoiseAcrossEvaluations)
    {
        ShareNoiseAcrossEvaluations = shareNoiseAcrossEvaluations;
        _images = images;
        _baselines = baselines;
        _classes = classes;
        Seed = seed;
        (_l1, _l2, _tvBeta) = (l1, l2, tvBeta);
        using (torch.no_grad()) _delta = (images - baselines).DetachFromDisposeScope();
        try
        {
            if (bilateralTV) _btv = new BilateralTV(images, btvSigma, tvBeta);
        }
        catch
        {
            _delta.Dispose();
            throw;
        }
    }

    /// <summary>Seed of the explanation; every evaluation's path noise is seeded from it.</summary>
    public long Seed { get; }

    /// <summary>The earlier behaviour, kept for comparisons: one noise draw per iteration, shared by the gradient pass,
    /// every line-search trial and every term.</summary>
    public bool ShareNoiseAcrossEvaluations { get; }

    /// <summary>The path-noise seed of evaluation <paramref name="evaluation"/> of iteration <paramref name="iteration"/>
    /// (see <see cref="Optimization.IMaskObjective.Evaluate"/>): a function of (Seed, iteration, evaluation) only.</summary>
    public long NoiseSeed(int iteration, int evaluation) => ShareNoiseAcrossEvaluations
        ? Seeds.Mix(Seed, iteration)
        : Seeds.Mix(Seeds.Mix(Seed, iteration), evaluation);

    /// <summary>The noise stream of the objective's term <paramref name="term"/>: each term draws its own noise, as in the
    /// paper, unless the noise is shared.</summary>
    public int NoiseStream(int term) => ShareNoiseAcrossEvaluations ? 0 : term;

    public long SampleCount => _images.shape[0];

    /// <summary>The images, baselines, I − Ĩ and classes of the selected samples (all of them when null); selections
    /// are new tensors in the caller's dispose scope.</summary>
    public (Tensor Images, Tensor Baselines, Tensor Delta, Tensor Classes) Select(Tensor? samples) => samples is null
        ? (_images, _baselines, _delta, _classes)
        : (_images.index_select(0, samples), _baselines.index_select(0, samples), _delta.index_select(0, samples),
            _classes.index_select(0, samples));

    /// <summary>R(M) = λ1·mean|1 − M| + λ2·BTV(M) (or plain TV when the bilateral TV is off), per image.</summary>
    public Tensor Regularizer(Tensor mask, Tensor? samples)
    {
        var l1 = (1 - mask).abs().flatten(1).mean([1]);
        var tv = _btv is not null ? _btv.Evaluate(mask, samples) : BilateralTV.TotalVariation(mask, _tvBeta);
        return _l1 * l1 + _l2 * tv;
    }

    public void Dispose()
    {
        _btv?.Dispose();
        _delta.Dispose();
    }
}
