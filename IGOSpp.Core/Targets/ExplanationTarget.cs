using static TorchSharp.torch;

namespace IGOSpp.Targets;

/// <summary>
/// The score of what is explained: maps the model's output for a batch of images to one differentiable score per
/// image. Every explainer and <see cref="Metrics.InsertionDeletionMetric"/> use it wherever a class score was used (the
/// I-GOS family optimizes it, Integrated Gradients and Grad-CAM differentiate it, RISE averages it, the metric's curves
/// are of it). <c>Explain(image, classId)</c> means <see cref="ClassProbability"/>; <c>Explain(image)</c> means
/// <see cref="TopClass"/>.
/// <para>Built-ins: <see cref="ClassProbability"/>, <see cref="ClassLogit"/>, <see cref="ClassSigmoid"/> (multi-label),
/// <see cref="TopClass"/>, <see cref="SegmentationRegion"/>, <see cref="DetectionBox(float, float, float, float, long, DetectionLayout)"/>,
/// <see cref="Regression"/> and <see cref="Function"/> (any function of the output). Derive from this class for
/// others. A model whose forward does not return one tensor is wrapped by <see cref="ModelOutputAdapter{TOutput}"/>.</para>
/// <para>Targets are immutable and hold no native memory except tensors they were given (a region's mask), which stay
/// the caller's.</para>
/// </summary>
public abstract class ExplanationTarget
{
    /// <summary>A short description for traces and reports, e.g. <c>p(class 3)</c>.</summary>
    public abstract string Description { get; }

    /// <summary>The class the target is about, when it has one (class, region and box targets); null otherwise.</summary>
    public virtual long? ClassId => null;

    /// <summary>
    /// The score of each row of <paramref name="output"/>: the model's output for B images that all derive from the one
    /// image this target explains (path images, perturbed copies). Must be differentiable with respect to the output for
    /// the gradient-based methods.
    /// </summary>
    /// <param name="output">The model's output for the batch, <c>[B, ...]</c>.</param>
    /// <returns>The scores <c>[B]</c>, in the output's dtype and on its device (owned by the current dispose scope).</returns>
    public abstract Tensor Score(Tensor output);

    /// <summary>
    /// Checks the target against the model's output for the clean image (<c>[1, ...]</c>) and throws
    /// <see cref="ArgumentException"/> saying what does not fit (shape, class range, box format, mask size). The default
    /// accepts any output; the runner then checks that <see cref="Score"/> gives one finite value.
    /// </summary>
    /// <param name="output">The model's output for the clean image, <c>[1, ...]</c>.</param>
    /// <param name="imageHeight">Height of the explained image in pixels.</param>
    /// <param name="imageWidth">Width of the explained image in pixels.</param>
    public virtual void Validate(Tensor output, long imageHeight, long imageWidth)
    {
    }

    /// <summary>The target to explain for this image, given the model's output for the clean image (<c>[1, ...]</c>):
    /// <see cref="TopClass"/> becomes the class the model predicts; other targets return themselves.</summary>
    /// <param name="output">The model's output for the clean image.</param>
    public virtual ExplanationTarget Resolve(Tensor output) => this;

    /// <summary>
    /// The fraction of the image's cells that the insertion/deletion metric deletes or inserts for this target, following
    /// the iGOS++ authors' convention for regions and boxes (about three times the region's area); null = all cells.
    /// </summary>
    /// <param name="imageHeight">Height of the explained image in pixels.</param>
    /// <param name="imageWidth">Width of the explained image in pixels.</param>
    public virtual double? MetricCoverage(long imageHeight, long imageWidth) => null;

    /// <inheritdoc />
    public override string ToString() => Description;

    /// <summary>The softmax probability of class <paramref name="classId"/> for <c>[N,K]</c> logits (the default target).</summary>
    /// <param name="classId">The class, ≥ 0 (checked against K when explaining).</param>
    public static ClassTarget ClassProbability(long classId) => new(classId, ClassScoreKind.Probability);

    /// <summary>The logit of class <paramref name="classId"/> for <c>[N,K]</c> logits (Grad-CAM's usual target).</summary>
    /// <param name="classId">The class, ≥ 0.</param>
    public static ClassTarget ClassLogit(long classId) => new(classId, ClassScoreKind.Logit);

    /// <summary>The sigmoid of the logit of class <paramref name="classId"/> (multi-label classifiers).</summary>
    /// <param name="classId">The class, ≥ 0.</param>
    public static ClassTarget ClassSigmoid(long classId) => new(classId, ClassScoreKind.Sigmoid);

    /// <summary>The class the model predicts for the clean image (its argmax), scored as <paramref name="kind"/>.</summary>
    /// <param name="kind">How the predicted class is scored. Default the softmax probability.</param>
    public static TopClassTarget TopClass(ClassScoreKind kind = ClassScoreKind.Probability) => new(kind);

    /// <summary>For segmentation outputs <c>[N,K,H,W]</c>: the mean probability (or logit) of class
    /// <paramref name="classId"/> over the pixels where <paramref name="region"/> is non-zero.</summary>
    /// <param name="classId">The class, ≥ 0.</param>
    /// <param name="region">The pixels <c>[H,W]</c> (bool or 0/1) at the output's resolution; not disposed, kept by reference.</param>
    /// <param name="kind">Probability (softmax over the classes at each pixel, default) or logit.</param>
    public static SegmentationRegionTarget SegmentationRegion(long classId, Tensor region, ClassScoreKind kind = ClassScoreKind.Probability) =>
        new(classId, region, kind);

    /// <summary>For YOLO-style raw detector outputs (before non-maximum suppression): the score of the prediction that
    /// best matches the box (x1, y1, x2, y2) in input pixels: max over predictions of IoU × objectness × class
    /// probability.</summary>
    /// <param name="x1">Left edge in pixels.</param>
    /// <param name="y1">Top edge in pixels.</param>
    /// <param name="x2">Right edge in pixels (&gt; x1).</param>
    /// <param name="y2">Bottom edge in pixels (&gt; y1).</param>
    /// <param name="classId">The detected class, ≥ 0.</param>
    /// <param name="layout">How the raw output is laid out.</param>
    public static DetectionBoxTarget DetectionBox(float x1, float y1, float x2, float y2, long classId, DetectionLayout layout) =>
        new(x1, y1, x2, y2, classId, layout);

    /// <summary>One output value of a regression model (<c>[N]</c> or <c>[N,K]</c> outputs).</summary>
    /// <param name="outputIndex">Which output, ≥ 0 (0 for <c>[N]</c> outputs).</param>
    public static RegressionTarget Regression(long outputIndex = 0) => new(outputIndex);

    /// <summary>Any function of the model's output that returns one differentiable score per row.</summary>
    /// <param name="description">A short description for traces and reports.</param>
    /// <param name="score">Output <c>[B, ...]</c> → scores <c>[B]</c>.</param>
    public static FunctionTarget Function(string description, Func<Tensor, Tensor> score) => new(description, score);
}
