using IGOSpp.Integration;

namespace IGOSpp;

/// <summary>One integrated term of an I-GOS-family objective: a path kind and the masks whose upsampled product it
/// integrates (e.g. D(Ux·Uy) is a deletion path over masks 0 and 1).</summary>
/// <param name="Kind">Deletion (enters the loss with +) or insertion (with −).</param>
/// <param name="Masks">Indices of the masks multiplied into the term's mask.</param>
/// <param name="Name">The term's name in the trace, e.g. <c>D(Ux)</c>.</param>
internal sealed record IgosTerm(PathKind Kind, int[] Masks, string Name)
{
    /// <summary>+1 for deletion, −1 for insertion: the term's sign in the loss.</summary>
    public int Sign => Kind == PathKind.Deletion ? 1 : -1;

    /// <summary>A key that is equal for terms over the same masks.</summary>
    public string MaskKey => string.Join(",", Masks);
}

/// <summary>
/// What distinguishes the members of the I-GOS family; everything else (upsampling, noise, the regularizer, the
/// optimizer, the maps) is shared by <see cref="IgosFamily"/> and <see cref="IgosObjective"/>:
/// <code>
/// L = Σ_t sign_t·score_t + R(Π masks),   g_m = DirectionWeight·Σ_t sign_t·∂score_t/∂M_m + ∂R/∂M_m
/// </code>
/// </summary>
/// <param name="Name">The method's name (<see cref="SaliencyMap.Method"/>).</param>
/// <param name="MaskCount">1 (I-GOS, iGOS+) or 2 (iGOS++: Mx, My).</param>
/// <param name="Terms">The integrated terms, in trace order.</param>
/// <param name="DirectionWeight">The weight of the integrated gradients in the direction: ½ for iGOS++ (as the paper's
/// code), 1 for I-GOS and iGOS+.</param>
/// <param name="BilateralTV">Whether the TV term is bilateral (weighted by the image's edges).</param>
/// <param name="BtvSigma">σ of the bilateral weights.</param>
/// <param name="TvBeta">Exponent of the mask differences in the TV term.</param>
internal sealed record IgosMethod(string Name, int MaskCount, IgosTerm[] Terms, double DirectionWeight, bool BilateralTV,
    double BtvSigma, double TvBeta)
{
    /// <summary>iGOS++: D(Ux) − Ins(Uy) + D(Ux·Uy) − Ins(Ux·Uy), R on Mx⊙My, direction ½·(integrated) + ∇R.</summary>
    public static IgosMethod IgosPlusPlus(bool bilateralTV, double btvSigma, double tvBeta) => new(
        IgosPlusPlusExplainer.MethodName, 2,
        [
            new(PathKind.Deletion, [0], "D(Ux)"),
            new(PathKind.Insertion, [1], "Ins(Uy)"),
            new(PathKind.Deletion, [0, 1], "D(Ux·Uy)"),
            new(PathKind.Insertion, [0, 1], "Ins(Ux·Uy)"),
        ],
        0.5, bilateralTV, btvSigma, tvBeta);

    /// <summary>iGOS+: D(U) − Ins(U), bilateral TV.</summary>
    public static IgosMethod IgosPlus(double btvSigma, double tvBeta) => new(
        IgosPlusExplainer.MethodName, 1, [new(PathKind.Deletion, [0], "D(U)"), new(PathKind.Insertion, [0], "Ins(U)")],
        1, BilateralTV: true, btvSigma, tvBeta);

    /// <summary>I-GOS: D(U), plain TV.</summary>
    public static IgosMethod Igos(double tvBeta) => new(
        IgosExplainer.MethodName, 1, [new(PathKind.Deletion, [0], "D(U)")], 1, BilateralTV: false, 1, tvBeta);
}
