using TorchSharp;
using IGOSpp.Targets;
using static TorchSharp.torch;

namespace IGOSpp;

/// <summary>
/// Explains the decision of an image classifier: which pixels made it predict a class.
/// </summary>
/// <remarks>
/// Implementations are configured once (model, options) and can then explain any number of images. An instance is
/// not thread-safe: give each thread its own explainer (several explainers may share one model; see docs/memory-and-devices.md, "What can be shared between threads").
/// </remarks>
public interface IExplainer : IDisposable
{
    /// <summary>Short name of the method, e.g. <c>iGOS++</c>.</summary>
    string Method { get; }

    /// <summary>Explains why the model assigns <paramref name="classId"/> to one image.</summary>
    /// <param name="image">A preprocessed float32 image <c>[C,H,W]</c> or <c>[1,C,H,W]</c> on the model's device.
    /// It is not modified and not disposed.</param>
    /// <param name="classId">The class to explain, in <c>[0, K)</c> where K is the number of model outputs.</param>
    /// <returns>The saliency map. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">The image or class id is invalid (the message says what is wrong).</exception>
    SaliencyMap Explain(Tensor image, long classId);

    /// <summary>Explains a batch of images, optimized together; each sample keeps its own step sizes.</summary>
    /// <param name="images">Preprocessed float32 images <c>[N,C,H,W]</c>. Not modified and not disposed.</param>
    /// <param name="classIds">One class per image (N entries).</param>
    /// <returns>N saliency maps in the order of the images. The caller owns them and must dispose each.</returns>
    /// <exception cref="ArgumentException">An input is invalid (the message names it and says what is wrong).</exception>
    IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<long> classIds);

    /// <summary>Explains one image with progress reports and cancellation.</summary>
    /// <param name="image">A preprocessed float32 image <c>[C,H,W]</c> or <c>[1,C,H,W]</c>. Not modified and not disposed.</param>
    /// <param name="classId">The class to explain.</param>
    /// <param name="progress">Receives one report per iteration; may be null.</param>
    /// <param name="cancellationToken">Checked at least once per iteration (and per line-search trial); when it is
    /// cancelled an <see cref="OperationCanceledException"/> is thrown and no tensors are left behind.</param>
    /// <returns>The saliency map. The caller owns it and must dispose it.</returns>
    SaliencyMap Explain(Tensor image, long classId, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken = default);

    /// <summary>Explains a batch of images with progress reports and cancellation.</summary>
    /// <param name="images">Preprocessed float32 images <c>[N,C,H,W]</c>. Not modified and not disposed.</param>
    /// <param name="classIds">One class per image (N entries).</param>
    /// <param name="progress">Receives one report per iteration; may be null.</param>
    /// <param name="cancellationToken">Checked at least once per iteration (and per line-search trial); when it is
    /// cancelled an <see cref="OperationCanceledException"/> is thrown and no tensors are left behind.</param>
    /// <returns>N saliency maps in the order of the images. The caller owns them and must dispose each.</returns>
    IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<long> classIds, IProgress<ExplanationProgress>? progress,
        CancellationToken cancellationToken = default);

    /// <summary>Explains the class the model predicts for the image (its argmax; <see cref="ExplanationTarget.TopClass"/>).</summary>
    /// <param name="image">A preprocessed float32 image <c>[C,H,W]</c> or <c>[1,C,H,W]</c>. Not modified and not disposed.</param>
    /// <returns>The saliency map (its <see cref="SaliencyMap.ClassId"/> is the predicted class). The caller owns it.</returns>
    /// <exception cref="ArgumentException">The image is invalid or the model does not return <c>[N,K]</c> logits.</exception>
    SaliencyMap Explain(Tensor image);

    /// <summary>Explains a score target of one image: a class's logit or sigmoid, a segmentation region, a detection
    /// box, a regression output or any function of the model's output (<see cref="ExplanationTarget"/>).</summary>
    /// <param name="image">A preprocessed float32 image <c>[C,H,W]</c> or <c>[1,C,H,W]</c>. Not modified and not disposed.</param>
    /// <param name="target">What to explain. Validated against the model's output (shape, class range, box format, mask
    /// size) before any work.</param>
    /// <param name="progress">Receives one report per iteration; may be null.</param>
    /// <param name="cancellationToken">Checked at least once per iteration.</param>
    /// <returns>The saliency map. The caller owns it and must dispose it.</returns>
    /// <exception cref="ArgumentException">The image or target is invalid, or the target's score has no gradient and the
    /// method needs one (the message says what is wrong).</exception>
    SaliencyMap Explain(Tensor image, ExplanationTarget target, IProgress<ExplanationProgress>? progress = null,
        CancellationToken cancellationToken = default);

    /// <summary>Explains a batch of images, each with its own target.</summary>
    /// <param name="images">Preprocessed float32 images <c>[N,C,H,W]</c>. Not modified and not disposed.</param>
    /// <param name="targets">One target per image (N entries).</param>
    /// <param name="progress">Receives one report per iteration; may be null.</param>
    /// <param name="cancellationToken">Checked at least once per iteration.</param>
    /// <returns>N saliency maps in the order of the images. The caller owns them and must dispose each.</returns>
    /// <exception cref="ArgumentException">An input is invalid (the message names it and says what is wrong).</exception>
    IReadOnlyList<SaliencyMap> Explain(Tensor images, IReadOnlyList<ExplanationTarget> targets, IProgress<ExplanationProgress>? progress = null,
        CancellationToken cancellationToken = default);
}
