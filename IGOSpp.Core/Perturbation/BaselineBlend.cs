using IGOSpp.Integration;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Perturbation;

/// <summary>
/// The one place where images and their baselines are blended by a mask: Φ(I, Ĩ, U) = I⊙U + Ĩ⊙(1 − U) = Ĩ + U⊙(I − Ĩ),
/// with I − Ĩ computed once. Every method and the metric perturb images through it.
/// <para>Holds no tensors of its own: <see cref="Of"/> computes I − Ĩ in the current dispose scope, and whoever keeps a
/// blend beyond that scope owns (and disposes) its <see cref="Delta"/>.</para>
/// </summary>
/// <param name="Images">Images I <c>[N,C,H,W]</c>.</param>
/// <param name="Baselines">Baselines Ĩ, same shape and device.</param>
/// <param name="Delta">I − Ĩ.</param>
internal readonly record struct BaselineBlend(Tensor Images, Tensor Baselines, Tensor Delta)
{
    /// <summary>The blend of <paramref name="images"/> and <paramref name="baselines"/>; I − Ĩ is a new tensor, without
    /// autograd history, in the current dispose scope.</summary>
    public static BaselineBlend Of(Tensor images, Tensor baselines)
    {
        using var noGrad = torch.no_grad();
        return new BaselineBlend(images, baselines, images - baselines);
    }

    /// <summary>Number of images N.</summary>
    public long Count => Images.shape[0];

    /// <summary>Φ(I, Ĩ, U) = Ĩ + U⊙(I − Ĩ): the image where U = 1, the baseline where U = 0 (deletion paths, RISE, Mask,
    /// the metric). U broadcasts against <c>[N,C,H,W]</c>: <c>[N,1,H,W]</c> for one mask per image, <c>[K,N,1,H,W]</c> for K
    /// masks (or path points) per image, giving <c>[K,N,C,H,W]</c>.</summary>
    public Tensor Keep(Tensor u) => Baselines + u * Delta;

    /// <summary>Φ(Ĩ, I, U) = I − U⊙(I − Ĩ): the baseline where U = 1, the image where U = 0 (insertion paths).</summary>
    public Tensor Replace(Tensor u) => Images - u * Delta;

    /// <summary>The path images of an integrated term at path points <paramref name="alphas"/> (<c>[K,1,1,1,1]</c>):
    /// deletion Ĩ + a·U⊙(I − Ĩ), insertion I − a·U⊙(I − Ĩ), as <c>[K,N,C,H,W]</c>.</summary>
    public Tensor Path(PathKind kind, Tensor u, Tensor alphas)
    {
        var ud = (u * Delta).unsqueeze(0);
        return kind == PathKind.Deletion ? Baselines.unsqueeze(0) + alphas * ud : Images.unsqueeze(0) - alphas * ud;
    }

    /// <summary>The images <paramref name="samples"/> (int64 indices); new tensors in the current dispose scope.</summary>
    public BaselineBlend Select(Tensor samples) =>
        new(Images.index_select(0, samples), Baselines.index_select(0, samples), Delta.index_select(0, samples));

    /// <summary>Images <paramref name="start"/> … <paramref name="start"/> + <paramref name="count"/> − 1 (views).</summary>
    public BaselineBlend Narrow(long start, long count) =>
        new(Images.narrow(0, start, count), Baselines.narrow(0, start, count), Delta.narrow(0, start, count));
}
