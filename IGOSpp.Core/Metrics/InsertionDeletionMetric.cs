using IGOSpp.Internal;
using IGOSpp.Perturbation;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Metrics;

/// <summary>
/// The insertion and deletion metrics of the iGOS++ paper (after RISE): rank the h×w cells of a saliency map, most
/// important first; deletion replaces the top cells of the image with the baseline step by step, insertion reveals the
/// top cells of the image on the baseline; the target's score (by default the class probability) along the way gives
/// two curves, and their areas (AUC) say
/// how faithful the map is (deletion: lower is better, insertion: higher is better).
/// <para>Cells become pixels through the explainers' bilinear upsampling (align_corners = true). Ties in saliency are
/// broken by cell index (row-major), so results are deterministic. All curve points are evaluated without gradients,
/// in as few model passes of at most <see cref="InsertionDeletionOptions.MaxBatchSize"/> images as possible.</para>
/// </summary>
public sealed class InsertionDeletionMetric
{
    private readonly nn.Module<Tensor, Tensor> _model;

    /// <summary>Creates the metric.</summary>
    /// <param name="model">Classifier [N,C,H,W] → logits [N,K]; not owned.</param>
    /// <param name="options">Settings; null = the paper's protocol.</param>
    public InsertionDeletionMetric(nn.Module<Tensor, Tensor> model, InsertionDeletionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Options = options ?? new InsertionDeletionOptions();
        Options.Validate(nameof(options));
        _model = model;
    }

    /// <summary>The settings.</summary>
    public InsertionDeletionOptions Options { get; }

    /// <summary>Images pushed through the model by this instance so far.</summary>
    public long ForwardImages { get; private set; }

    /// <summary>Scores one saliency map for a class (its probability, or its sigmoid when
    /// <see cref="InsertionDeletionOptions.Score"/> says so).</summary>
    /// <param name="image">Preprocessed float32 image [C,H,W] or [1,C,H,W] on the model's device.</param>
    /// <param name="classId">The class to score.</param>
    /// <param name="saliency">[h,w] with h ≤ H, w ≤ W; high = important. Any device.</param>
    /// <param name="baseline">The baseline image (same shape as the image), or null for <see cref="InsertionDeletionOptions.Baseline"/>.</param>
    /// <returns>The curves and AUCs.</returns>
    public InsertionDeletionResult Evaluate(Tensor image, long classId, Tensor saliency, Tensor? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(saliency);
        var targets = ExplanationRunner.ClassTargets([classId], TargetScoring.KindOf(Options.Score), nameof(classId));
        return Run(image, targets, CallShape.OneClass, [saliency], baseline)[0];
    }

    /// <summary>Scores one saliency map for any target: the curves are of the target's score. For region and box
    /// targets only the top cells up to the target's <see cref="ExplanationTarget.MetricCoverage"/> (about three times
    /// its area) are deleted or inserted, as in the iGOS++ authors' detector evaluation.</summary>
    /// <param name="image">Preprocessed float32 image [C,H,W] or [1,C,H,W] on the model's device.</param>
    /// <param name="target">What to score; validated against the model's output.</param>
    /// <param name="saliency">[h,w] with h ≤ H, w ≤ W; high = important. Any device.</param>
    /// <param name="baseline">The baseline image, or null for <see cref="InsertionDeletionOptions.Baseline"/>.</param>
    /// <returns>The curves and AUCs.</returns>
    public InsertionDeletionResult Evaluate(Tensor image, ExplanationTarget target, Tensor saliency, Tensor? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(saliency);
        return Run(image, [target], CallShape.OneTarget, [saliency], baseline)[0];
    }

    /// <summary>Scores a <see cref="SaliencyMap"/>: its <see cref="SaliencyMap.Saliency"/> for its
    /// <see cref="SaliencyMap.Target"/>.</summary>
    /// <param name="image">The explained image [C,H,W] or [1,C,H,W].</param>
    /// <param name="map">The map.</param>
    /// <param name="baseline">The baseline image, or null for the default.</param>
    /// <returns>The curves and AUCs.</returns>
    public InsertionDeletionResult Evaluate(Tensor image, SaliencyMap map, Tensor? baseline = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Evaluate(image, map.Target, map.Saliency, baseline);
    }

    /// <summary>Scores a batch: one saliency map per image, for a class per image.</summary>
    /// <param name="images">Preprocessed float32 images [N,C,H,W].</param>
    /// <param name="classIds">N classes.</param>
    /// <param name="saliencies">N maps [h,w] (each may have its own resolution ≤ the image).</param>
    /// <param name="baselines">Baselines [N,C,H,W], or null for the default.</param>
    /// <returns>N results in order.</returns>
    public IReadOnlyList<InsertionDeletionResult> Evaluate(Tensor images, IReadOnlyList<long> classIds,
        IReadOnlyList<Tensor> saliencies, Tensor? baselines = null)
    {
        var targets = ExplanationRunner.ClassTargets(classIds, TargetScoring.KindOf(Options.Score), nameof(classIds));
        return Run(images, targets, CallShape.ManyClasses, saliencies, baselines);
    }

    /// <summary>Scores a batch: one saliency map per image, for a target per image.</summary>
    /// <param name="images">Preprocessed float32 images [N,C,H,W].</param>
    /// <param name="targets">N targets.</param>
    /// <param name="saliencies">N maps [h,w].</param>
    /// <param name="baselines">Baselines [N,C,H,W], or null for the default.</param>
    /// <returns>N results in order.</returns>
    public IReadOnlyList<InsertionDeletionResult> Evaluate(Tensor images, IReadOnlyList<ExplanationTarget> targets,
        IReadOnlyList<Tensor> saliencies, Tensor? baselines = null) =>
        Run(images, targets, CallShape.ManyTargets, saliencies, baselines);

    private InsertionDeletionResult[] Run(Tensor images, IReadOnlyList<ExplanationTarget> targets, CallShape shape,
        IReadOnlyList<Tensor> saliencies, Tensor? baselines)
    {
        var (imagesName, targetsName, single) = (shape.ImagesName, shape.TargetsName, shape.Single);
        var saliencyName = single ? "saliency" : "saliencies";
        var baselineName = single ? "baseline" : "baselines";
        ArgumentNullException.ThrowIfNull(targets, targetsName);
        ArgumentNullException.ThrowIfNull(saliencies, saliencyName);
        using var scope = torch.NewDisposeScope();
        var x = TensorGuard.ImageBatch(images, imagesName, single, _model).contiguous();
        var n = x.shape[0];
        var (height, width) = (x.shape[2], x.shape[3]);
        if (targets.Count != n)
            throw new ArgumentException($"Expected {n} {(targetsName == "classIds" ? "class ids" : "targets")} (one per image), got {targets.Count}.", targetsName);
        if (saliencies.Count != n)
            throw new ArgumentException($"Expected {n} saliency maps (one per image), got {saliencies.Count}.", saliencyName);
        var orders = new int[n][];
        var shapes = new (long H, long W)[n];
        for (var i = 0; i < n; i++)
        {
            var s = saliencies[i];
            ArgumentNullException.ThrowIfNull(s, saliencyName);
            if (s.dim() != 2 || s.shape[0] < 1 || s.shape[1] < 1 || s.shape[0] > height || s.shape[1] > width)
                throw new ArgumentException(
                    $"Expected a saliency map [h,w] with 1 ≤ h ≤ {height} and 1 ≤ w ≤ {width}, got {TensorGuard.Shape(s)}.", saliencyName);
            TensorGuard.RequireFinite(s, saliencyName);
            shapes[i] = (s.shape[0], s.shape[1]);
            orders[i] = Rank(s);
        }

        using var threads = IgosThreading.Enter();
        using var eval = ModelEvalScope.Enter(_model);
        using var inference = torch.inference_mode();
        var (resolved, _) = ModelProbe.Run(_model, x, targets, requiresGradient: false, imagesName, targetsName);
        ForwardImages += n;

        Tensor b;
        if (baselines is null)
        {
            b = BaselineFactory.Create(Options.Baseline, x);
        }
        else
        {
            b = TensorGuard.ImageBatch(baselines, baselineName, single);
            TensorGuard.RequireSameShape(b, x, baselineName, imagesName);
            b = b.to(x.dtype, x.device);
        }

        var blend = BaselineBlend.Of(x, b);
        var results = new InsertionDeletionResult[n];
        for (var i = 0; i < n; i++)
            results[i] = Curves(blend.Narrow(i, 1), resolved[i], orders[i], shapes[i]);
        return results;
    }

    /// <summary>Cell indices, most salient first; ties by index.</summary>
    private static int[] Rank(Tensor saliency)
    {
        var values = saliency.detach().to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        var order = Enumerable.Range(0, values.Length).ToArray();
        Array.Sort(order, (a, c) => values[a] != values[c] ? values[c].CompareTo(values[a]) : a.CompareTo(c));
        return order;
    }

    /// <summary>The deletion and insertion curves of one image (<paramref name="blend"/> holds it as a batch of one).</summary>
    private InsertionDeletionResult Curves(BaselineBlend blend, ExplanationTarget target, int[] order, (long H, long W) shape)
    {
        var image = blend.Images[0];
        using var scope = torch.NewDisposeScope();
        var cells = order.Length;
        // Regions and boxes: only about three times their area is deleted / inserted (the authors' convention).
        var coverage = target.MetricCoverage(image.shape[1], image.shape[2]);
        var covered = coverage is { } c ? Math.Clamp((int)Math.Ceiling(c * cells), 1, cells) : cells;
        var perStep = Options.CellsPerStep ?? Math.Max(1, covered / 50);
        var points = (covered + perStep - 1) / perStep + 1;
        var counts = Enumerable.Range(0, points).Select(j => Math.Min(j * perStep, covered)).ToArray();
        var fractions = counts.Select(k => (double)k / covered).ToArray();

        // rank[cell] = position of the cell in the order; a curve point j keeps/reveals the cells with rank < count_j.
        var rank = new long[cells];
        for (var p = 0; p < cells; p++) rank[order[p]] = p;
        var rankT = torch.tensor(rank, device: image.device).view(1, cells);
        var (h, w) = (image.shape[1], image.shape[2]);
        var scores = new double[2 * points];
        foreach (var (start, count) in Batching.Ranges(2 * points, Options.MaxBatchSize))
        {
            using var chunkScope = torch.NewDisposeScope();
            var items = Enumerable.Range(start, count).ToArray();
            var countT = torch.tensor(items.Select(j => (long)counts[j % points]).ToArray(), device: image.device).view(-1, 1);
            var isDeletion = torch.tensor(items.Select(j => j < points).ToArray(), device: image.device).view(-1, 1);
            var top = rankT < countT;                                   // [B, cells]: the top cells of each point
            var keep = torch.where(isDeletion, top.logical_not(), top); // deletion keeps the rest, insertion keeps the top
            var cellMask = keep.to(image.dtype).view(-1, 1, shape.H, shape.W);
            var u = MaskUpsampling.Bilinear(cellMask, h, w);
            var batch = blend.Keep(u);
            var f = target.Score(_model.call(batch));
            ForwardImages += batch.shape[0];
            var values = f.to(ScalarType.Float64).cpu().data<double>().ToArray();
            for (var k = 0; k < values.Length; k++) scores[start + k] = values[k];
        }

        return new InsertionDeletionResult(target, cells, covered, perStep, fractions, scores[..points], scores[points..]);
    }
}
