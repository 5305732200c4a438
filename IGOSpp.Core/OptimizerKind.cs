namespace IGOSpp;

/// <summary>How the mask optimizers turn a descent direction into a step.</summary>
public enum OptimizerKind
{
    /// <summary>Backtracking line search with the Armijo condition on the integrated objective (the paper's default).</summary>
    LineSearch,

    /// <summary>Nesterov momentum with a fixed step size (InitialStepSize) and momentum i/(i+3).</summary>
    Nesterov,

    /// <summary>A fixed step size (InitialStepSize) without line search (an ablation of the paper).</summary>
    FixedStep,
}
