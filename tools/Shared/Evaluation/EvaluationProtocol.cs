using System.Diagnostics;
using System.Globalization;
using IGOSpp.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Evaluation;

/// <summary>One image of an evaluation: a stable index (the resume key with <see cref="Source"/>), the preprocessed
/// image [C,H,W] (loaded when needed; the caller's dispose scope owns it), the class to explain, and the order that
/// seeds the methods (null: the image's position in this run; a shard gives the position in the whole list, so that
/// shards reproduce the unsharded run).</summary>
internal sealed record EvaluationImage(int Index, Func<Tensor> Load, long ClassId, string? Source = null, int? Order = null);

/// <summary>
/// The Table-1 protocol, shared by tools/IGOSpp.Evaluation and <c>igospp evaluate</c> (one implementation): every
/// method explains every image (the log's records of finished images are reused), every variant of its map is scored
/// with the insertion/deletion metric, and the methods' rows of the results table are returned as they finish.
/// </summary>
internal static class EvaluationProtocol
{
    /// <summary>Evaluates <paramref name="methods"/> on <paramref name="images"/>.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="methods">The catalog's methods to run.</param>
    /// <param name="images">The images, in order.</param>
    /// <param name="log">The per-image log (resumes finished images).</param>
    /// <param name="progress">Called after each image: the method, images done, and the records so far.</param>
    /// <param name="methodDone">Called after each method with all rows so far (write the table here) and a line about
    /// the line search (or null).</param>
    /// <param name="cancellationToken">Stops between and inside explanations; the log keeps what is finished.</param>
    public static List<ResultRow> Run(nn.Module<Tensor, Tensor> model, IReadOnlyList<MethodSpec> methods, IReadOnlyList<EvaluationImage> images,
        ImageLog log, Action<MethodSpec, int, IReadOnlyList<ImageRecord>> progress, Action<IReadOnlyList<ResultRow>, string?> methodDone,
        CancellationToken cancellationToken = default)
    {
        var metric = new InsertionDeletionMetric(model);
        var rows = new List<ResultRow>();
        foreach (var method in methods)
        {
            var records = new List<ImageRecord>();
            for (var j = 0; j < images.Count; j++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var image = images[j];
                var record = log.Find(method.Key, method.Settings, image.Index, image.Source) ?? Explain(model, metric, method, image.Order ?? j, image, cancellationToken);
                if (record.Image is null && image.Source is not null) record = record with { Image = image.Source };
                records.Add(record);
                progress(method, j + 1, records);
            }

            var (methodRows, lineSearch) = Summarize(method, records);
            rows.AddRange(methodRows);
            methodDone(rows, lineSearch);
        }

        return rows;

        ImageRecord Explain(nn.Module<Tensor, Tensor> module, InsertionDeletionMetric scorer, MethodSpec method, int order, EvaluationImage item,
            CancellationToken token)
        {
            using var scope = torch.NewDisposeScope();
            var image = item.Load();
            using var explainer = method.Create(module, order);
            var clock = Stopwatch.StartNew();
            using var map = explainer.Explain(image, item.ClassId, null, token);
            var seconds = clock.Elapsed.TotalSeconds;
            var auc = new Dictionary<string, double[]>();
            foreach (var variant in method.Variants)
            {
                var result = scorer.Evaluate(image, item.ClassId, variant.Saliency(map));
                auc[variant.Title] = [result.DeletionAuc, result.InsertionAuc];
            }

            var record = new ImageRecord
            {
                Method = method.Key,
                Settings = method.Settings,
                Order = order,
                TestIndex = item.Index,
                Image = item.Source,
                Label = item.ClassId,
                OriginalScore = map.OriginalScore,
                Seconds = seconds,
                ForwardImages = map.Trace.ForwardImages,
                BackwardImages = map.Trace.BackwardImages,
                Auc = auc,
                Iterations = map.Trace.Iterations.Select(t => new IterationRecord(t.Loss, t.StepSize, t.LossAfterStep, t.LineSearchTrials,
                    t.Scores.ToArray(), t.Regularizer, t.PathScoreRatio, t.MaskChange)).ToArray(),
                Warnings = map.Warnings.Select(w => w.Kind.ToString()).ToArray(),
            };
            log.Append(record);
            return record;
        }
    }

    /// <summary>The table rows of one method (one per variant of its map) from its images' records, and a line about
    /// its line search (null when it has none).</summary>
    public static (List<ResultRow> Rows, string? LineSearch) Summarize(MethodSpec method, IReadOnlyList<ImageRecord> records)
    {
        var steps = records.SelectMany(r => r.Iterations).Where(t => t.Trials > 0).Select(t => t.Step).Order().ToArray();
        var trials = records.SelectMany(r => r.Iterations).Select(t => (double)t.Trials).ToArray();
        var lineSearch = steps.Length > 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"line search: median accepted step {steps[steps.Length / 2]:G3}, line-search trials per iteration (mean) {trials.Average():F2}")
            : null;
        var cost = new MethodCost(
            records.Select(r => r.Seconds).ToList(),
            records.Select(r => (double)(r.ForwardImages + r.BackwardImages)).ToList(),
            trials.Length > 0 && steps.Length > 0 ? trials.Average() : double.NaN);
        var rows = method.Variants.Select(variant => new ResultRow(variant.Title, method.Resolution, records.Select(r => r.Auc[variant.Title][0]).ToList(),
            records.Select(r => r.Auc[variant.Title][1]).ToList(), cost, method.Settings)).ToList();
        return (rows, lineSearch);
    }
}
