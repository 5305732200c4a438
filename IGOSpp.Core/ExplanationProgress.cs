namespace IGOSpp;

/// <summary>A progress report of a running explanation.</summary>
/// <param name="Iteration">The iteration just finished, 1-based.</param>
/// <param name="TotalIterations">The number of iterations of the explanation.</param>
/// <param name="Loss">The objective after this iteration, averaged over the batch (NaN for methods without one).</param>
/// <param name="Elapsed">Time since the explanation started.</param>
public sealed record ExplanationProgress(int Iteration, int TotalIterations, double Loss, TimeSpan Elapsed);
