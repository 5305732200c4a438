using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Optimization;

/// <summary>
/// Minimizes an <see cref="IMaskObjective"/> over masks in [0,1]: each iteration takes the objective's descent
/// direction g (integrated gradients plus regularizer gradient) and steps by backtracking line search (Armijo), Nesterov
/// momentum or a fixed step, clamping every mask to [0,1]. Images of a batch are independent: each keeps its own step
/// sizes. The masks stay on their device; per iteration the loop reads a few scalars per image from the device (the
/// loss, ‖g‖² and the terms for the trace, in one transfer) plus one transfer per line-search trial.
/// </summary>
public sealed class MaskOptimizer
{
    /// <summary>Creates an optimizer.</summary>
    /// <param name="options">Settings (null = the paper's defaults). Validated here.</param>
    public MaskOptimizer(MaskOptimizerOptions? options = null)
    {
        Options = options ?? new MaskOptimizerOptions();
        Options.Validate(nameof(options));
    }

    /// <summary>The settings.</summary>
    public MaskOptimizerOptions Options { get; }

    /// <summary>Optimizes the masks.</summary>
    /// <param name="objective">The function to minimize.</param>
    /// <param name="initialMasks">Starting masks, each <c>[N,1,h,w]</c> in [0,1]; not modified.</param>
    /// <param name="progress">Receives one report per iteration (mean loss over the images); may be null.</param>
    /// <param name="cancellationToken">Checked once per iteration and per line-search trial.</param>
    /// <returns>The optimized masks and traces. The caller owns the result and must dispose it.</returns>
    public MaskOptimizationResult Optimize(IMaskObjective objective, IReadOnlyList<Tensor> initialMasks,
        IProgress<ExplanationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentNullException.ThrowIfNull(initialMasks);
        if (initialMasks.Count == 0) throw new ArgumentException("At least one mask is needed.", nameof(initialMasks));
        var n = objective.SampleCount;
        foreach (var m in initialMasks)
        {
            ArgumentNullException.ThrowIfNull(m, nameof(initialMasks));
            if (m.dim() != 4 || m.shape[0] != n || m.shape[1] != 1)
                throw new ArgumentException($"Expected masks of shape [{n},1,h,w], got [{string.Join(",", m.shape)}].", nameof(initialMasks));
        }

        var clock = Stopwatch.StartNew();
        var traces = Enumerable.Range(0, (int)n).Select(_ => new List<IterationTrace>(Options.Iterations)).ToArray();
        var masks = initialMasks.Select(m => Detached(m.detach().clone())).ToArray();
        Tensor[]? previousTheta = null;
        var lastStep = Enumerable.Repeat(Options.InitialStepSize, (int)n).ToArray();
        var stoppedAt = new int?[n];
        var quiet = new int[n];
        var active = Enumerable.Range(0, (int)n).ToArray();
        try
        {
            for (var it = 0; it < Options.Iterations && active.Length > 0; it++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Tensor[] next;
                Tensor[]? theta = null;
                double meanLoss;
                using (var scope = torch.NewDisposeScope())
                {
                    // Once images have stopped early, the iteration runs on the others alone: the same per-image values,
                    // since evaluations never mix images and the noise depends only on (iteration, evaluation).
                    var everyImage = active.Length == n;
                    var indices = everyImage ? null : torch.tensor(active.Select(i => (long)i).ToArray(), device: masks[0].device);
                    var sub = everyImage ? objective : new SubsetObjective(objective, indices!, active.Length);
                    var subMasks = everyImage ? masks : masks.Select(m => m.index_select(0, indices!)).ToArray();
                    var subTheta = previousTheta is null || everyImage ? previousTheta : previousTheta.Select(t => t.index_select(0, indices!)).ToArray();
                    var count = active.Length;

                    using var eval = sub.Evaluate(subMasks, null, it, 0, true, cancellationToken);
                    var gradients = eval.Gradients ?? throw new InvalidOperationException("The objective returned no gradients.");
                    var host = ReadHost(eval, gradients);
                    CheckFinite(host, it, active);
                    meanLoss = host.Loss.Average();

                    var steps = new double[count];
                    var after = Enumerable.Repeat(double.NaN, count).ToArray();
                    var trials = new int[count];
                    Tensor[] subNext;
                    Tensor[]? subNewTheta = null;
                    switch (Options.Optimizer)
                    {
                        case OptimizerKind.LineSearch:
                        {
                            var start = active.Select(i => WarmStartFrom(lastStep[i])).ToArray();
                            // The gradient pass's loss is L(M) on its own noise draw: an independent sample of L(M), as
                            // the paper's fresh evaluation of the starting loss is.
                            var (found, outcomes) = ArmijoLineSearch.Step(sub, subMasks, gradients, host.Loss, host.GradNorm2,
                                start, it, Options, cancellationToken);
                            subNext = found;
                            for (var j = 0; j < count; j++)
                            {
                                steps[j] = outcomes[j].StepSize;
                                after[j] = outcomes[j].LossAfterStep;
                                trials[j] = outcomes[j].Trials;
                                lastStep[active[j]] = steps[j];
                            }

                            if (after.Where(double.IsFinite).Any()) meanLoss = after.Select((a, j) => double.IsFinite(a) ? a : host.Loss[j]).Average();
                            break;
                        }
                        case OptimizerKind.Nesterov:
                        {
                            // θ_i = M − α·g; M ← θ_i + e_i·(θ_i − θ_{i−1}), e_i = i/(i+3), θ_{−1} = 0 (e_0 = 0).
                            var e = it / (it + 3.0);
                            using var noGrad = torch.no_grad();
                            subNewTheta = subMasks.Select((m, j) => m - Options.InitialStepSize * gradients[j]).ToArray();
                            subNext = subNewTheta.Select((t, j) => subTheta is null ? t.clamp(0, 1) : (t + e * (t - subTheta[j])).clamp_(0, 1)).ToArray();
                            Array.Fill(steps, Options.InitialStepSize);
                            break;
                        }
                        default:
                        {
                            using var noGrad = torch.no_grad();
                            subNext = subMasks.Select((m, j) => (m - Options.InitialStepSize * gradients[j]).clamp_(0, 1)).ToArray();
                            Array.Fill(steps, Options.InitialStepSize);
                            break;
                        }
                    }

                    var change = Options.EarlyStopTolerance is null ? null : MaxChange(subMasks, subNext);
                    for (var j = 0; j < count; j++)
                    {
                        traces[active[j]].Add(new IterationTrace(it, host.Loss[j], host.Scores[j], host.Regularizer[j], steps[j], after[j], trials[j])
                        {
                            MaskChange = change?[j] ?? double.NaN,
                        });
                    }

                    using (torch.no_grad())
                    {
                        next = everyImage ? subNext : masks.Select((m, j) => m.index_copy(0, indices!, subNext[j])).ToArray();
                        if (subNewTheta is not null)
                        {
                            theta = everyImage ? subNewTheta
                                : (previousTheta ?? masks.Select(m => torch.zeros_like(m)).ToArray()).Select((t, j) => t.index_copy(0, indices!, subNewTheta[j])).ToArray();
                        }
                    }

                    foreach (var m in next) m.DetachFromDisposeScope();
                    if (theta is not null)
                        foreach (var t in theta) t.DetachFromDisposeScope();
                    if (change is not null) active = StillActive(active, change, quiet, stoppedAt, it);
                }

                foreach (var m in masks) m.Dispose();
                masks = next;
                if (theta is not null)
                {
                    if (previousTheta is not null) foreach (var t in previousTheta) t.Dispose();
                    previousTheta = theta;
                }

                progress?.Report(new ExplanationProgress(it + 1, Options.Iterations, meanLoss, clock.Elapsed));
            }

            var result = new MaskOptimizationResult(masks, traces, objective.ScoreNames.ToArray(), stoppedAt);
            masks = [];
            return result;
        }
        finally
        {
            foreach (var m in masks) m.Dispose();
            if (previousTheta is not null) foreach (var t in previousTheta) t.Dispose();
        }
    }

    /// <summary>max |next − masks| over every cell of every mask, per image (one host read).</summary>
    private static double[] MaxChange(IReadOnlyList<Tensor> masks, Tensor[] next)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var change = masks.Select((m, j) => (next[j] - m).abs().flatten(1).amax(1)).Aggregate(torch.maximum);
        return change.to(ScalarType.Float64).cpu().data<double>().ToArray();
    }

    /// <summary>The images that go on after iteration <paramref name="iteration"/>: an image stops once its masks changed by
    /// less than the tolerance in <see cref="MaskOptimizerOptions.EarlyStopIterations"/> consecutive iterations, unless this
    /// was the last iteration anyway (then nothing was saved and it is not marked as stopped early).</summary>
    private int[] StillActive(int[] active, double[] change, int[] quiet, int?[] stoppedAt, int iteration)
    {
        var still = new List<int>(active.Length);
        for (var j = 0; j < active.Length; j++)
        {
            var i = active[j];
            quiet[i] = change[j] < Options.EarlyStopTolerance ? quiet[i] + 1 : 0;
            if (quiet[i] >= Options.EarlyStopIterations && iteration < Options.Iterations - 1) stoppedAt[i] = iteration;
            else still.Add(i);
        }

        return still.ToArray();
    }

    /// <summary>Where a line search starts given the previous iteration's step: InitialStepSize without the warm start,
    /// at the first iteration, and after a step at or below MinStepSize (so that one failed search never
    /// traps the step at the floor); otherwise the previous step ÷ StepDecay, capped at InitialStepSize.</summary>
    private double WarmStartFrom(double previousStep) =>
        !Options.LineSearchWarmStart || previousStep <= Options.MinStepSize
            ? Options.InitialStepSize
            : Math.Min(Options.InitialStepSize, previousStep / Options.StepDecay);

    private static Tensor Detached(Tensor t)
    {
        t.DetachFromDisposeScope();
        return t;
    }

    private sealed record HostValues(double[] Loss, double[] GradNorm2, double[][] Scores, double[] Regularizer);

    /// <summary>Loss, ‖g‖², the scores and the regularizer of every image in one device-to-host transfer.</summary>
    private static HostValues ReadHost(ObjectiveEvaluation eval, IReadOnlyList<Tensor> gradients)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var norm2 = gradients.Select(g => g.square().flatten(1).sum(1)).Aggregate((a, b) => a + b);
        var packed = torch.cat([eval.Loss.unsqueeze(1), norm2.unsqueeze(1), eval.Regularizer.unsqueeze(1), eval.Scores.to(eval.Loss.dtype)], 1)
            .to(ScalarType.Float64).cpu();
        var n = (int)packed.shape[0];
        var width = (int)packed.shape[1];
        var data = packed.data<double>().ToArray();
        var loss = new double[n];
        var gn = new double[n];
        var regularizer = new double[n];
        var scores = new double[n][];
        for (var i = 0; i < n; i++)
        {
            loss[i] = data[i * width];
            gn[i] = data[i * width + 1];
            regularizer[i] = data[i * width + 2];
            scores[i] = data.AsSpan(i * width + 3, width - 3).ToArray();
        }

        return new HostValues(loss, gn, scores, regularizer);
    }

    private static void CheckFinite(HostValues host, int iteration, int[] images)
    {
        for (var j = 0; j < host.Loss.Length; j++)
        {
            var i = images[j];
            if (!double.IsFinite(host.Loss[j]) || !double.IsFinite(host.GradNorm2[j]))
                throw new ArgumentException(
                    $"The objective of image {i} is not finite at iteration {iteration} (loss {host.Loss[j]}, ‖g‖² {host.GradNorm2[j]}): " +
                    "the model returned NaN or infinite scores for perturbed images.", "model");
        }
    }
}
