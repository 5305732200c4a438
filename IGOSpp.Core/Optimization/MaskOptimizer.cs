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
        try
        {
            for (var it = 0; it < Options.Iterations; it++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Tensor[] next;
                Tensor[]? theta = null;
                double meanLoss;
                using (var scope = torch.NewDisposeScope())
                {
                    using var eval = objective.Evaluate(masks, null, it, 0, true, cancellationToken);
                    var gradients = eval.Gradients ?? throw new InvalidOperationException("The objective returned no gradients.");
                    var host = ReadHost(eval, gradients);
                    CheckFinite(host, it);
                    meanLoss = host.Loss.Average();

                    var steps = new double[n];
                    var after = Enumerable.Repeat(double.NaN, (int)n).ToArray();
                    var trials = new int[n];
                    switch (Options.Optimizer)
                    {
                        case OptimizerKind.LineSearch:
                        {
                            var start = lastStep.Select(WarmStartFrom).ToArray();
                            // The gradient pass's loss is L(M) on its own noise draw: an independent sample of L(M), as
                            // the paper's fresh evaluation of the starting loss is.
                            var (found, outcomes) = ArmijoLineSearch.Step(objective, masks, gradients, host.Loss, host.GradNorm2,
                                start, it, Options, cancellationToken);
                            next = found;
                            for (var i = 0; i < n; i++)
                            {
                                steps[i] = outcomes[i].StepSize;
                                after[i] = outcomes[i].LossAfterStep;
                                trials[i] = outcomes[i].Trials;
                            }

                            if (after.Where(double.IsFinite).Any()) meanLoss = after.Select((a, i) => double.IsFinite(a) ? a : host.Loss[i]).Average();
                            lastStep = steps;
                            break;
                        }
                        case OptimizerKind.Nesterov:
                        {
                            // θ_i = M − α·g; M ← θ_i + e_i·(θ_i − θ_{i−1}), e_i = i/(i+3), θ_{−1} = 0 (e_0 = 0).
                            var e = it / (it + 3.0);
                            using var noGrad = torch.no_grad();
                            theta = masks.Select((m, j) => m - Options.InitialStepSize * gradients[j]).ToArray();
                            next = theta.Select((t, j) => previousTheta is null ? t.clamp(0, 1) : (t + e * (t - previousTheta[j])).clamp_(0, 1)).ToArray();
                            Array.Fill(steps, Options.InitialStepSize);
                            break;
                        }
                        default:
                        {
                            using var noGrad = torch.no_grad();
                            next = masks.Select((m, j) => (m - Options.InitialStepSize * gradients[j]).clamp_(0, 1)).ToArray();
                            Array.Fill(steps, Options.InitialStepSize);
                            break;
                        }
                    }

                    for (var i = 0; i < n; i++)
                        traces[i].Add(new IterationTrace(it, host.Loss[i], host.Scores[i], host.Regularizer[i], steps[i], after[i], trials[i]));

                    foreach (var m in next) m.DetachFromDisposeScope();
                    if (theta is not null)
                        foreach (var t in theta) t.DetachFromDisposeScope();
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

            var result = new MaskOptimizationResult(masks, traces, objective.ScoreNames.ToArray());
            masks = [];
            return result;
        }
        finally
        {
            foreach (var m in masks) m.Dispose();
            if (previousTheta is not null) foreach (var t in previousTheta) t.Dispose();
        }
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

    private static void CheckFinite(HostValues host, int iteration)
    {
        for (var i = 0; i < host.Loss.Length; i++)
        {
            if (!double.IsFinite(host.Loss[i]) || !double.IsFinite(host.GradNorm2[i]))
                throw new ArgumentException(
                    $"The objective of image {i} is not finite at iteration {iteration} (loss {host.Loss[i]}, ‖g‖² {host.GradNorm2[i]}): " +
                    "the model returned NaN or infinite scores for perturbed images.", "model");
        }
    }
}
