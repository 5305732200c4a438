using static TorchSharp.torch;

namespace IGOSpp.Optimization;

/// <summary>The value of an <see cref="IMaskObjective"/> at some masks.</summary>
public sealed class ObjectiveEvaluation : IDisposable
{
    /// <summary>Number of columns of <see cref="Terms"/>.</summary>
    public const int TermCount = 5;

    /// <summary>Creates an evaluation; takes ownership of the tensors.</summary>
    /// <param name="loss">[N'] objective per image.</param>
    /// <param name="terms">[N', 5]: deletion score, insertion score, combined deletion score, combined insertion score,
    /// regularizer (NaN for terms the objective does not have), as in <see cref="IterationTrace"/>.</param>
    /// <param name="gradients">The descent direction per mask (each like its mask), or null.</param>
    public ObjectiveEvaluation(Tensor loss, Tensor terms, IReadOnlyList<Tensor>? gradients)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.dim() != 2 || terms.shape[1] != TermCount || terms.shape[0] != loss.shape[0])
            throw new ArgumentException($"Expected terms of shape [{loss.shape[0]},{TermCount}].", nameof(terms));
        Loss = loss;
        Terms = terms;
        Gradients = gradients;
    }

    /// <summary>[N'] objective per image.</summary>
    public Tensor Loss { get; }

    /// <summary>[N', 5] the objective's parts (see the constructor).</summary>
    public Tensor Terms { get; }

    /// <summary>The descent direction per mask, or null when not requested.</summary>
    public IReadOnlyList<Tensor>? Gradients { get; }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Loss.Dispose();
        Terms.Dispose();
        if (Gradients is not null)
            foreach (var g in Gradients) g.Dispose();
    }
}
