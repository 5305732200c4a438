using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>Scores model outputs whose rows belong to several explained images, each with its own target.</summary>
internal static class TargetScoring
{
    /// <summary>
    /// The scores of a batch of k·n rows laid out as k consecutive blocks of the n images (row r belongs to image r mod n),
    /// in row order <c>[k·n]</c>. Class targets of one kind are scored in one gather, as a batch of class ids always was.
    /// </summary>
    public static Tensor Interleaved(IReadOnlyList<ExplanationTarget> targets, Tensor output, long n)
    {
        var rows = output.shape[0];
        var k = rows / n;
        if (SameClassKind(targets) is { } kind)
        {
            var classes = torch.tensor(targets.Select(t => ((ClassTarget)t).Class).ToArray(), device: output.device).repeat(k);
            return OfClasses(output, classes, kind);
        }

        using var scope = torch.NewDisposeScope();
        var blocks = output.view([k, n, .. output.shape[1..]]);
        var scores = torch.stack(Enumerable.Range(0, (int)n).Select(i => targets[i].Score(blocks[.., i])).ToArray(), 1); // [k, n]
        return scores.reshape(rows).MoveToOuterDisposeScope();
    }

    /// <summary>The kind shared by all targets when they are all class targets of one kind, else null.</summary>
    private static ClassScoreKind? SameClassKind(IReadOnlyList<ExplanationTarget> targets)
    {
        if (targets.Count == 0 || targets[0] is not ClassTarget first) return null;
        foreach (var t in targets)
            if (t is not ClassTarget c || c.Kind != first.Kind) return null;
        return first.Kind;
    }

    /// <summary>The class score of each row for a class id per row.</summary>
    private static Tensor OfClasses(Tensor logits, Tensor classIds, ClassScoreKind kind) => kind switch
    {
        ClassScoreKind.Probability => logits.log_softmax(1).gather(1, classIds.unsqueeze(1)).squeeze(1).exp(),
        ClassScoreKind.Logit => logits.gather(1, classIds.unsqueeze(1)).squeeze(1),
        _ => logits.gather(1, classIds.unsqueeze(1)).squeeze(1).sigmoid(),
    };

    /// <summary>The class score kind that a <see cref="ScoreFunction"/> means.</summary>
    public static ClassScoreKind KindOf(ScoreFunction score) =>
        score == ScoreFunction.Sigmoid ? ClassScoreKind.Sigmoid : ClassScoreKind.Probability;
}
