using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Optimization;

/// <summary>
/// Backtracking line search with the Armijo condition, per image: starting at α₀, the candidate
/// M' = clamp(M − α·g, 0, 1) (all masks together) is accepted when L(M') ≤ L(M) − β·α·‖g‖²; otherwise α ← α·decay,
/// until α drops below the minimum step, where the last α is taken without a further test (the paper's search tests it
/// too and takes it whichever way the test goes: the same masks, one evaluation less). Images still searching are
/// evaluated together in one objective call per trial; one small host transfer per trial reads their losses. Trial j
/// is the objective's evaluation j of the iteration (evaluation 0 is the gradient pass that gave L(M)), so with the
/// I-GOS family's objectives every trial sees new path noise, as in the paper, and all images of a batch that are still
/// searching are at the same trial.
/// </summary>
internal static class ArmijoLineSearch
{
    /// <summary>What the search did for one image.</summary>
    internal readonly record struct Outcome(double StepSize, double LossAfterStep, int Trials);

    /// <summary>Runs the search; returns the new masks (owned by the current dispose scope) and per-image outcomes.</summary>
    public static (Tensor[] Masks, Outcome[] Outcomes) Step(IMaskObjective objective, IReadOnlyList<Tensor> masks,
        IReadOnlyList<Tensor> gradients, double[] loss0, double[] gradNorm2, double[] startStep, int iteration,
        MaskOptimizerOptions options, CancellationToken cancellationToken)
    {
        var n = loss0.Length;
        var device = masks[0].device;
        var next = masks.Select(m => m.clone()).ToArray();
        var alpha = (double[])startStep.Clone();
        var outcomes = new Outcome[n];
        var trials = new int[n];
        var active = Enumerable.Range(0, n).ToList();

        for (var trial = 1; active.Count > 0; trial++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var trialScope = torch.NewDisposeScope();
            var idx = torch.tensor(active.Select(i => (long)i).ToArray(), device: device);
            var steps = torch.tensor(active.Select(i => (float)alpha[i]).ToArray(), device: device).view(-1, 1, 1, 1);
            var candidates = new Tensor[masks.Count];
            using (torch.inference_mode())
            {
                for (var m = 0; m < masks.Count; m++)
                    candidates[m] = (masks[m].index_select(0, idx) - steps * gradients[m].index_select(0, idx)).clamp_(0, 1);
            }

            float[] lossAt;
            using (var eval = objective.Evaluate(candidates, idx, iteration, trial, false, cancellationToken))
                lossAt = eval.Loss.to(ScalarType.Float32).cpu().data<float>().ToArray();

            var accepted = new List<int>();
            var stillActive = new List<int>();
            for (var j = 0; j < active.Count; j++)
            {
                var i = active[j];
                trials[i]++;
                if (lossAt[j] <= loss0[i] - options.ArmijoBeta * alpha[i] * gradNorm2[i])
                {
                    outcomes[i] = new Outcome(alpha[i], lossAt[j], trials[i]);
                    accepted.Add(j);
                }
                else
                {
                    alpha[i] *= options.StepDecay;
                    if (alpha[i] < options.MinStepSize)
                    {
                        // Stop shrinking: take this tiny step without another evaluation.
                        outcomes[i] = new Outcome(alpha[i], double.NaN, trials[i]);
                        using (torch.inference_mode())
                        {
                            for (var m = 0; m < masks.Count; m++)
                                next[m][i].copy_((masks[m][i] - alpha[i] * gradients[m][i]).clamp_(0, 1));
                        }
                    }
                    else
                    {
                        stillActive.Add(i);
                    }
                }
            }

            if (accepted.Count > 0)
            {
                var local = torch.tensor(accepted.Select(j => (long)j).ToArray(), device: device);
                var global = torch.tensor(accepted.Select(j => (long)active[j]).ToArray(), device: device);
                using (torch.inference_mode())
                {
                    for (var m = 0; m < masks.Count; m++)
                        next[m].index_copy_(0, global, candidates[m].index_select(0, local));
                }
            }

            active = stillActive;
        }

        return (next, outcomes);
    }
}
