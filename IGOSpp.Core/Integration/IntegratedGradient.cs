using IGOSpp.Internal;
using IGOSpp.Perturbation;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Integration;

/// <summary>
/// Integrated scores and integrated gradients of masks along the straight path from the baseline to the masked image,
/// with Gaussian noise on every path image — the descent direction of I-GOS, iGOS+ and iGOS++.
/// <code>
/// Deletion:  D(U)   = Σ_{k=1..S} w_k·f( Ĩ + α_k·U⊙(I − Ĩ) + ε_k )
/// Insertion: Ins(U) = Σ_{k=1..S} w_k·f( I − α_k·U⊙(I − Ĩ) + ε_k )
/// </code>
/// f is the class score (softmax probability or sigmoid), ε_k ~ N(0, σ²) per pixel, and (α_k, w_k) the nodes and
/// weights of <see cref="Quadrature"/>: by default the paper's right Riemann sum α_k = k/S, w_k = 1/S. The gradient returned for a term is
/// ∂/∂U of its integrated score. The noise of a term depends only on (noiseSeed, the term's
/// <see cref="PathTerm.NoiseStream"/>, k): terms with the same stream share it, evaluating the same masks twice with the
/// same seed gives the same scores, and a new seed draws new noise (the I-GOS family draws a new seed for every
/// evaluation, as the paper does).
/// <para>All path images of all terms of an image are pushed through the model together, in batches of at most
/// <see cref="MaxBatchSize"/> images, one forward (and backward) per batch. By default batches never mix images, so a
/// batched call gives the same results as explaining each image alone; <see cref="BatchAcrossImages"/> packs the path
/// images of several images into one pass instead (fewer, fuller passes; results equal to rounding only).</para>
/// </summary>
public sealed class IntegratedGradient
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly QuadratureRule _quadrature;
    private readonly double[] _nodes;
    private readonly double[] _weights;

    /// <summary>Creates the integrator.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]. It is called with <c>call</c> (hooks fire) and never
    /// switched between train and eval mode here.</param>
    /// <param name="steps">Number of path points S ≥ 1 (default 20).</param>
    /// <param name="noiseStd">σ of the per-pixel Gaussian noise on path images, ≥ 0 (default 0.2; 0 = no noise).</param>
    /// <param name="score">How logits become the class score in the class-id overload of <c>Compute</c>.</param>
    /// <param name="maxBatchSize">Largest number of images per model pass, ≥ 1 (default 64).</param>
    public IntegratedGradient(nn.Module<Tensor, Tensor> model, int steps = 20, double noiseStd = 0.2,
        ScoreFunction score = ScoreFunction.Softmax, int maxBatchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (!(noiseStd >= 0) || double.IsInfinity(noiseStd))
            throw new ArgumentOutOfRangeException(nameof(noiseStd), noiseStd, "The noise σ must be finite and ≥ 0.");
        if (!Enum.IsDefined(score)) throw new ArgumentOutOfRangeException(nameof(score), score, "Unknown score function.");
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _model = model;
        Steps = steps;
        NoiseStd = noiseStd;
        Score = score;
        MaxBatchSize = maxBatchSize;
        (_nodes, _weights) = Integration.Quadrature.Create(QuadratureRule.RightRiemann, steps);
    }

    /// <summary>Number of path points S.</summary>
    public int Steps { get; }

    /// <summary>
    /// How the path integral is approximated: the nodes α_k and weights w_k of the scores and of their gradients (one
    /// rule for both, so a line search compares values of the function whose gradient it follows). Path image k
    /// (1-based) is at node α_k and gets the noise ε_k whatever the rule. Default <see cref="QuadratureRule.RightRiemann"/>
    /// (the iGOS++ paper's α_k = k/S). <see cref="QuadratureRule.Trapezoid"/> needs S ≥ 2; its node α = 0 is the
    /// (noisy) baseline or image itself, which costs a model pass and adds nothing to the gradient.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An unknown rule, or the trapezoid rule with S = 1.</exception>
    public QuadratureRule Quadrature
    {
        get => _quadrature;
        init
        {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(Quadrature), value, "Unknown quadrature rule.");
            if (value == QuadratureRule.Trapezoid && Steps < 2)
                throw new ArgumentOutOfRangeException(nameof(Quadrature), value, $"The trapezoid rule needs at least 2 steps; got {Steps}.");
            _quadrature = value;
            (_nodes, _weights) = Integration.Quadrature.Create(value, Steps);
        }
    }

    /// <summary>The nodes α_k (k = 1..S, increasing) the path images are placed at.</summary>
    internal IReadOnlyList<double> Nodes => _nodes;

    /// <summary>The weights w_k of the path images (summing to 1).</summary>
    internal IReadOnlyList<double> Weights => _weights;

    /// <summary>σ of the noise added to each path image.</summary>
    public double NoiseStd { get; }

    /// <summary>How logits become the class score.</summary>
    public ScoreFunction Score { get; }

    /// <summary>Largest number of images per model pass.</summary>
    public int MaxBatchSize { get; }

    /// <summary>
    /// When true, a model pass packs the path images of consecutive images up to <see cref="MaxBatchSize"/> (throughput
    /// mode: fewer and fuller passes when an image's T·S path images do not fill a pass, e.g. small models or GPUs). The
    /// scores and gradients then equal those of per-image passes only up to rounding, because libtorch's kernels round
    /// differently for different batch compositions. Default false: passes never mix images, and a batched call returns
    /// bit for bit what each image alone returns. The model must treat the images of a batch independently (eval-mode
    /// batch normalization, no cross-sample operations).
    /// </summary>
    public bool BatchAcrossImages { get; init; }

    /// <summary>The type the model passes run in (libtorch's autocast for the reduced types); the scores and gradients are
    /// float32 in every case. Default <see cref="ModelPrecision.Float32"/>.</summary>
    internal ModelPrecision Precision { get; init; }

    /// <summary>Images this instance has pushed through the model forward only.</summary>
    public long ForwardImages { get; private set; }

    /// <summary>Images this instance has pushed through the model forward and backward.</summary>
    public long BackwardImages { get; private set; }

    /// <summary>Computes the integrated scores (and gradients) of several terms in fused batches.</summary>
    /// <param name="images">Images I <c>[N,C,H,W]</c> float32.</param>
    /// <param name="baselines">Baselines Ĩ, same shape and device.</param>
    /// <param name="classIds">int64 <c>[N]</c>, the class of each image, on the same device.</param>
    /// <param name="terms">The terms; each mask <c>[N,1,H,W]</c>.</param>
    /// <param name="noiseSeed">Seed of the path noise (ε_k is a function of this seed, the term's noise stream and k).</param>
    /// <param name="computeGradients">When true, also returns ∂score/∂mask per term (runs backward passes); when false,
    /// runs forward passes in inference mode.</param>
    /// <param name="cancellationToken">Checked before every model pass.</param>
    /// <returns>The scores and gradients. The caller owns the result and must dispose it.</returns>
    public IntegratedGradientResult Compute(Tensor images, Tensor baselines, Tensor classIds, IReadOnlyList<PathTerm> terms,
        long noiseSeed, bool computeGradients, CancellationToken cancellationToken = default)
    {
        Validate(images, baselines, classIds, terms);
        using var host = classIds.cpu();
        var targets = host.data<long>().Select(c => (ExplanationTarget)new ClassTarget(c, TargetScoring.KindOf(Score))).ToArray();
        return Compute(images, baselines, targets, terms, noiseSeed, computeGradients, cancellationToken);
    }

    /// <summary>Computes the integrated scores (and gradients) of several terms in fused batches, for any score targets.</summary>
    /// <param name="images">Images I <c>[N,C,H,W]</c> float32.</param>
    /// <param name="baselines">Baselines Ĩ, same shape and device.</param>
    /// <param name="targets">One score target per image; class targets must be in range (the explainers' probe checks
    /// targets against the model's output, this building block does not).</param>
    /// <param name="terms">The terms; each mask <c>[N,1,H,W]</c>.</param>
    /// <param name="noiseSeed">Seed of the path noise (ε_k is a function of this seed, the term's noise stream and k).</param>
    /// <param name="computeGradients">When true, also returns ∂score/∂mask per term (runs backward passes).</param>
    /// <param name="cancellationToken">Checked before every model pass.</param>
    /// <returns>The scores and gradients. The caller owns the result and must dispose it.</returns>
    public IntegratedGradientResult Compute(Tensor images, Tensor baselines, IReadOnlyList<ExplanationTarget> targets,
        IReadOnlyList<PathTerm> terms, long noiseSeed, bool computeGradients, CancellationToken cancellationToken = default)
    {
        TensorGuard.RequireRank(images, 4, nameof(images), "[N,C,H,W]");
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count != images.shape[0] || targets.Any(t => t is null))
            throw new ArgumentException($"Expected {images.shape[0]} non-null targets (one per image), got {targets.Count}.", nameof(targets));
        Tensor delta;
        using (torch.no_grad()) delta = (images - baselines).DetachFromDisposeScope();
        using (delta)
            return Compute(new BaselineBlend(images, baselines, delta), targets, terms, noiseSeed, computeGradients, cancellationToken);
    }

    /// <summary>As <c>Compute</c>, on a blend whose I − Ĩ the caller computed once (it does not change during an
    /// explanation).</summary>
    internal IntegratedGradientResult Compute(BaselineBlend blend, IReadOnlyList<ExplanationTarget> targets, IReadOnlyList<PathTerm> terms,
        long noiseSeed, bool computeGradients, CancellationToken cancellationToken)
    {
        ValidateTerms(blend.Images, blend.Baselines, terms);
        TensorGuard.RequireSameShape(blend.Delta, blend.Images, "delta", "images");
        using var scope = torch.NewDisposeScope();
        using var mode = computeGradients ? torch.enable_grad() : torch.inference_mode();
        var images = blend.Images;
        var (n, c, h, w) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3]);

        var leaves = new Tensor[terms.Count];
        for (var t = 0; t < terms.Count; t++)
            leaves[t] = computeGradients ? terms[t].Mask.detach().requires_grad_(true) : terms[t].Mask;

        var scoreSums = torch.zeros([terms.Count, n], ScalarType.Float32, images.device);
        var gradSums = computeGradients ? new Tensor?[terms.Count] : null;
        using var noise = new PathNoise(noiseSeed, NoiseStd, [1, c, h, w], Steps, images.device);
        // The right Riemann sum keeps its exact arithmetic (α = k/S in float32, sums ÷ S), so its results do not change;
        // other rules place path image k at node α_k and weight its score and gradient by w_k.
        var weighted = _quadrature != QuadratureRule.RightRiemann;
        var nodes = weighted ? torch.tensor(_nodes, ScalarType.Float32, images.device) : null;
        var weights = weighted ? torch.tensor(_weights, ScalarType.Float32, images.device) : null;

        foreach (var chunk in PlanChunks(terms.Count, n))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var chunkScope = torch.NewDisposeScope();
            var parts = new List<Tensor>(chunk.Count);
            foreach (var g in chunk)
            {
                var k = g.K1 - g.K0;
                var a = (weighted
                    ? nodes!.narrow(0, g.K0, k)
                    : torch.arange(g.K0 + 1, g.K1 + 1, dtype: ScalarType.Float32, device: images.device).div_(Steps)).view(k, 1, 1, 1, 1);
                var path = blend.Narrow(g.N0, g.Count).Path(terms[g.Term].Kind, leaves[g.Term].narrow(0, g.N0, g.Count), a);
                if (noise.Enabled) path = path + noise.Steps(terms[g.Term].NoiseStream, g.K0 + 1, g.K1);
                parts.Add(path.reshape(k * g.Count, c, h, w));
            }

            var batch = parts.Count == 1 ? parts[0] : torch.cat(parts, 0);
            Tensor logits;
            using (AutocastScope.Enter(Precision, images.device)) logits = _model.call(batch);
            if (logits.dtype != ScalarType.Float32 && Precision != ModelPrecision.Float32) logits = logits.to(ScalarType.Float32);
            var f = ScoreRows(targets, chunk, logits);
            if (weighted)
                f = f * torch.cat(chunk.Select(g => weights!.narrow(0, g.K0, g.K1 - g.K0).repeat_interleave(g.Count)).ToArray(), 0);
            if (computeGradients) BackwardImages += batch.shape[0];
            else ForwardImages += batch.shape[0];

            using (torch.no_grad())
            {
                long offset = 0;
                foreach (var g in chunk)
                {
                    var k = g.K1 - g.K0;
                    var sums = f.narrow(0, offset, k * g.Count).detach().view(k, g.Count).sum(dim: 0);
                    scoreSums[g.Term].narrow(0, g.N0, g.Count).add_(sums);
                    offset += k * g.Count;
                }
            }

            if (computeGradients)
            {
                var used = chunk.Select(g => g.Term).Distinct().ToArray();
                var grads = torch.autograd.grad([f.sum()], used.Select(t => leaves[t]).ToArray());
                using (torch.no_grad())
                {
                    for (var i = 0; i < used.Length; i++)
                    {
                        var t = used[i];
                        if (gradSums![t] is null) gradSums[t] = grads[i].detach().MoveToOtherDisposeScope(scoreSums);
                        else gradSums[t]!.add_(grads[i]);
                    }
                }
            }
        }

        Tensor scores;
        List<Tensor>? gradients = null;
        using (torch.no_grad())
        {
            scores = (weighted ? scoreSums : scoreSums.div_(Steps)).MoveToOuterDisposeScope();
            if (gradSums is not null)
            {
                gradients = new List<Tensor>(terms.Count);
                for (var t = 0; t < terms.Count; t++)
                {
                    var sum = gradSums[t] ?? torch.zeros_like(leaves[t]);
                    gradients.Add((weighted ? sum : sum.div_(Steps)).detach().MoveToOuterDisposeScope());
                }
            }
        }

        return new IntegratedGradientResult(scores, gradients);
    }

    /// <summary>The class scores of a pass's rows: one target for a pass of one image, each group's own image's target
    /// when the pass packs several images (<see cref="BatchAcrossImages"/>; the planner's groups then hold one image each).</summary>
    private static Tensor ScoreRows(IReadOnlyList<ExplanationTarget> targets, List<ChunkGroup> chunk, Tensor logits)
    {
        if (chunk.All(g => g.N0 == chunk[0].N0 && g.Count == 1))
            return targets[(int)chunk[0].N0].Score(logits);
        var parts = new List<Tensor>(chunk.Count);
        long offset = 0;
        foreach (var g in chunk)
        {
            if (g.Count != 1) throw new InvalidOperationException("A pass that mixes images must hold one image per group.");
            var rows = g.K1 - g.K0;
            parts.Add(targets[(int)g.N0].Score(logits.narrow(0, offset, rows)));
            offset += rows;
        }

        return torch.cat(parts, 0);
    }

    /// <summary>
    /// Splits the T·S·N path images into model passes of at most <see cref="MaxBatchSize"/> images. By default passes
    /// never mix images: the T·S path images of each image are cut exactly as if it were explained alone (items (term t,
    /// step k) in order, consecutive items packed together), so every model pass of a batched explanation sees the same
    /// batch as the same image explained by itself, and the results are identical (libtorch kernels may round
    /// differently for different batch compositions). With <see cref="BatchAcrossImages"/> the items of all images are
    /// cut as one sequence (image by image, then term, then step), so a pass may hold the end of one image's items and
    /// the start of the next's.
    /// </summary>
    internal IEnumerable<List<ChunkGroup>> PlanChunks(int termCount, long n)
    {
        var items = termCount * Steps;
        if (BatchAcrossImages)
        {
            foreach (var chunk in PlanAcrossImages(items, n)) yield return chunk;
            yield break;
        }

        for (long sample = 0; sample < n; sample++)
        {
            for (var j0 = 0; j0 < items; j0 += MaxBatchSize)
            {
                var j1 = Math.Min(items, j0 + MaxBatchSize);
                var groups = new List<ChunkGroup>();
                for (var j = j0; j < j1;)
                {
                    var t = j / Steps;
                    var end = Math.Min(j1, (t + 1) * Steps);
                    groups.Add(new ChunkGroup(t, j % Steps, j % Steps + (end - j), sample, 1));
                    j = end;
                }

                yield return groups;
            }
        }
    }

    private IEnumerable<List<ChunkGroup>> PlanAcrossImages(int items, long n)
    {
        var total = items * n;
        for (long j0 = 0; j0 < total; j0 += MaxBatchSize)
        {
            var j1 = Math.Min(total, j0 + MaxBatchSize);
            var groups = new List<ChunkGroup>();
            for (var j = j0; j < j1;)
            {
                var (sample, item) = (j / items, (int)(j % items));
                var t = item / Steps;
                var end = Math.Min(j1, sample * items + (t + 1) * Steps);
                groups.Add(new ChunkGroup(t, item % Steps, item % Steps + (int)(end - j), sample, 1));
                j = end;
            }

            yield return groups;
        }
    }

    private static void Validate(Tensor images, Tensor baselines, Tensor classIds, IReadOnlyList<PathTerm> terms)
    {
        TensorGuard.RequireRank(images, 4, nameof(images), "[N,C,H,W]");
        TensorGuard.RequireRank(classIds, 1, nameof(classIds), "[N]");
        if (classIds.shape[0] != images.shape[0])
            throw new ArgumentException($"Expected {images.shape[0]} class ids, got {classIds.shape[0]}.", nameof(classIds));
        if (classIds.dtype != ScalarType.Int64)
            throw new ArgumentException($"Expected int64 class ids, got {classIds.dtype}.", nameof(classIds));
        using (var negative = classIds.lt(0).any())
            if (negative.item<bool>()) throw new ArgumentOutOfRangeException(nameof(classIds), "Class ids must be ≥ 0.");
        ValidateTerms(images, baselines, terms);
    }

    private static void ValidateTerms(Tensor images, Tensor baselines, IReadOnlyList<PathTerm> terms)
    {
        TensorGuard.RequireRank(images, 4, nameof(images), "[N,C,H,W]");
        TensorGuard.RequireSameShape(baselines, images, nameof(baselines), nameof(images));
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Count == 0) throw new ArgumentException("At least one term is needed.", nameof(terms));
        var expected = new[] { images.shape[0], 1, images.shape[2], images.shape[3] };
        foreach (var term in terms)
        {
            ArgumentNullException.ThrowIfNull(term, nameof(terms));
            if (term.NoiseStream < 0)
                throw new ArgumentException($"Expected noise streams ≥ 0, got {term.NoiseStream}.", nameof(terms));
            if (!term.Mask.shape.SequenceEqual(expected))
                throw new ArgumentException(
                    $"Expected term masks of shape [{string.Join(",", expected)}], got {TensorGuard.Shape(term.Mask)}.", nameof(terms));
        }
    }

    /// <summary>Images of term <paramref name="Term"/> for steps K0+1..K1 and images N0..N0+Count−1.</summary>
    internal readonly record struct ChunkGroup(int Term, int K0, int K1, long N0, long Count);
}
