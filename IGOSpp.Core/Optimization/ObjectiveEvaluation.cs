using static TorchSharp.torch;

namespace IGOSpp.Optimization;

/// <summary>The value of an <see cref="IMaskObjective"/> at some masks.</summary>
public sealed class ObjectiveEvaluation : IDisposable
{
    /// <summary>Creates an evaluation; takes ownership of the tensors.</summary>
    /// <param name="loss">[N'] objective per image.</param>
    /// <param name="scores">[N', T]: the objective's T scores per image, in the order of
    /// <see cref="IMaskObjective.ScoreNames"/> (T may be 0).</param>
    /// <param name="regularizer">[N'] the regularizer's value per image.</param>
    /// <param name="gradients">The descent direction per mask (each like its mask), or null.</param>
    /// <exception cref="ArgumentException">The shapes do not agree.</exception>
    public ObjectiveEvaluation(Tensor loss, Tensor scores, Tensor regularizer, IReadOnlyList<Tensor>? gradients)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(regularizer);
        if (loss.dim() != 1) throw new ArgumentException($"Expected a loss of shape [N'], got [{string.Join(",", loss.shape)}].", nameof(loss));
        if (scores.dim() != 2 || scores.shape[0] != loss.shape[0])
            throw new ArgumentException($"Expected scores of shape [{loss.shape[0]},T], got [{string.Join(",", scores.shape)}].", nameof(scores));
        if (regularizer.dim() != 1 || regularizer.shape[0] != loss.shape[0])
            throw new ArgumentException($"Expected a regularizer of shape [{loss.shape[0]}], got [{string.Join(",", regularizer.shape)}].", nameof(regularizer));
        Loss = loss;
        Scores = scores;
        Regularizer = regularizer;
        Gradients = gradients;
    }

    /// <summary>[N'] objective per image.</summary>
    public Tensor Loss { get; }

    /// <summary>[N', T] the objective's scores (see <see cref="IMaskObjective.ScoreNames"/>).</summary>
    public Tensor Scores { get; }

    /// <summary>[N'] the regularizer.</summary>
    public Tensor Regularizer { get; }

    /// <summary>The descent direction per mask, or null when not requested.</summary>
    public IReadOnlyList<Tensor>? Gradients { get; }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Loss.Dispose();
        Scores.Dispose();
        Regularizer.Dispose();
        if (Gradients is not null)
            foreach (var g in Gradients) g.Dispose();
    }
}
