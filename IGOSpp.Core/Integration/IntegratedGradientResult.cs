using static TorchSharp.torch;

namespace IGOSpp.Integration;

/// <summary>The integrated scores of a set of path terms and, when asked for, their gradients.</summary>
public sealed class IntegratedGradientResult : IDisposable
{
    internal IntegratedGradientResult(Tensor scores, IReadOnlyList<Tensor>? gradients)
    {
        Scores = scores;
        Gradients = gradients;
    }

    /// <summary>[T,N]: integrated score of term t for image n, <c>(1/S)·Σ_k f(x_k)</c>. Detached, on the images' device.</summary>
    public Tensor Scores { get; }

    /// <summary>
    /// Per term, [N,1,H,W]: the gradient of the integrated score with respect to that term's mask (the integrated
    /// gradient of the term), or null when gradients were not requested.
    /// </summary>
    public IReadOnlyList<Tensor>? Gradients { get; }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Scores.Dispose();
        if (Gradients is not null)
            foreach (var g in Gradients) g.Dispose();
    }
}
