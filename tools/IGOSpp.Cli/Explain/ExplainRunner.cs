using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using IGOSpp.Cli.Output;
using IGOSpp.Imaging;
using IGOSpp.Metrics;
using IGOSpp.Targets;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Cli.Explain;

/// <summary>
/// <c>igospp explain</c>: loads the model, checks the preprocessing against it, then explains each image (skipping
/// the ones an earlier run of the same settings finished), writing its panel, curves and maps, the results files and
/// the report after every image.
/// </summary>
internal sealed class ExplainRunner(ExplainSettings settings, TextWriter stdout, TextWriter stderr, bool interactive)
{
    /// <summary>Runs the command and returns its exit code (<see cref="ExitCodes"/>).</summary>
    /// <exception cref="CliException">A user-facing failure before or while explaining.</exception>
    public int Run(CancellationToken cancellationToken)
    {
        var threads = settings.Threads ?? Environment.ProcessorCount;
        torch.set_num_threads(threads);
        IgosThreading.MaxIntraOpThreads = threads;

        using var model = LoadedModel.Load(settings.ModelPath, settings.Method == "gradcam" ? settings.Layer : null, settings.OutputName,
            settings.Architecture, settings.ArchitectureClasses);
        var preprocessing = Preprocessing.From(settings, model.DeclaredInput);
        using var regionTargets = settings.Region is not null || settings.Box is not null ? RegionTargets.Create(settings, model, preprocessing) : null;
        var classes = regionTargets?.Classes ?? model.Probe(preprocessing.Channels, preprocessing.Height, preprocessing.Width, preprocessing.Shape);
        if (settings.ClassId is { } fixedClass && fixedClass >= classes)
            throw new CliException(ExitCodes.Mismatch, $"--class {fixedClass} is outside the model's outputs: it has {classes} classes (0..{classes - 1}).");
        var labels = ReadLabels(settings.LabelsPath, classes);
        var all = InputFiles.Expand(settings.Inputs, settings.OutputDirectory);
        var images = settings.Shard is { } shard ? InputFiles.Shard(all, shard.Index, shard.Count) : all;
        var (explainer, methodSettings) = Methods.Create(settings, model);
        using var disposeExplainer = explainer as IDisposable;

        var target = (settings.ClassId is { } k ? $"class {k}{(labels is null ? "" : $" ({labels[(int)k]})")}" : "top class of each image") +
                     (settings.Score == ClassScoreKind.Probability ? "" : $", {settings.Score.ToString().ToLowerInvariant()}");
        if (regionTargets is not null)
            target = $"{regionTargets.Target.Description}{(settings.Layout is { } layout ? $", layout {RegionTargets.LayoutName(layout)}" : "")}" +
                     (labels is null ? "" : $" ({labels[(int)settings.ClassId!.Value]})");
        var run = new RunInfo
        {
            Tool = $"igospp {typeof(ExplainRunner).Assembly.GetName().Version?.ToString(3)}",
            Model = Path.GetFullPath(settings.ModelPath),
            ModelFormat = model.Format,
            ModelSha256 = model.Sha256,
            Method = settings.Method,
            MethodTitle = Methods.Title(settings.Method),
            Input = $"{preprocessing.Shape} (C x H x W)",
            Preprocessing = preprocessing.Describe(),
            Target = target,
            Classes = classes,
            Settings = methodSettings,
            Fingerprint = Fingerprint(model.Sha256, settings.Method, methodSettings, preprocessing.Describe(), target),
        };
        var store = ResultsStore.Open(settings.OutputDirectory, run);
        var todo = images.Where(i => !store.IsDone(i.Id)).ToList();
        var skipped = images.Count - todo.Count;

        stdout.WriteLine($"{run.MethodTitle} ({methodSettings}) on {Path.GetFileName(settings.ModelPath)} ({model.Format}, {classes} classes, input {preprocessing.Shape}, sha256 {model.Sha256[..12]}…)");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{images.Count} image(s){(settings.Shard is { } sh ? $" in shard {sh.Index}/{sh.Count} of {all.Count}" : "")}" +
            $"{(skipped > 0 ? $", {skipped} already done (resumed)" : "")}; writing to {Path.GetFullPath(settings.OutputDirectory)}"));

        var metric = new InsertionDeletionMetric(model.Module);
        var context = new ImageContext(model, preprocessing, explainer, metric, labels, store, regionTargets?.Target);
        var cancelled = false;
        int Loop(IRunProgress progress)
        {
            for (var i = 0; i < todo.Count; i++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    cancelled = true;
                    break;
                }

                progress.StartImage(todo[i].Id, i, todo.Count);
                try
                {
                    var result = ExplainImage(todo[i], context, new IterationReporter(progress), cancellationToken);
                    store.Add(result, HtmlReport.Write);
                    progress.FinishImage(result.Status == "ok"
                        ? string.Create(CultureInfo.InvariantCulture,
                            $"{result.Id}: {result.ClassName} p={result.Probability:F3}, deletion AUC {result.DeletionAuc:F4}, insertion AUC {result.InsertionAuc:F4}, {result.ExplainSeconds + result.MetricSeconds:F1} s")
                        : $"{result.Id}: FAILED: {result.Error}");
                }
                catch (OperationCanceledException)
                {
                    cancelled = true;
                    break;
                }
            }

            return 0;
        }

        try
        {
            if (interactive && todo.Count > 0) SpectreProgress.Run(todo.Count, Loop);
            else Loop(new PlainProgress(stdout));
            store.WriteSummaries();
            HtmlReport.Write(store);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Output, $"Writing to '{settings.OutputDirectory}' failed: {ex.Message}", ex);
        }

        var results = store.Results.ToList();
        var failures = results.Count(r => r.Status != "ok");
        var report = Path.Combine(Path.GetFullPath(settings.OutputDirectory), HtmlReport.FileName);
        if (cancelled)
        {
            stderr.WriteLine($"Cancelled. {results.Count - failures} image(s) are finished and kept; run the same command again to resume. Report: {report}");
            return ExitCodes.Cancelled;
        }

        stdout.WriteLine($"Done: {results.Count - failures} explained, {failures} failed. Report: {report}");
        if (failures > 0)
        {
            foreach (var r in results.Where(r => r.Status != "ok")) stderr.WriteLine($"error: {r.Source}: {r.Error}");
            return ExitCodes.ImageFailures;
        }

        return ExitCodes.Success;
    }

    private sealed record ImageContext(LoadedModel Model, Preprocessing Preprocessing, IExplainer Explainer,
        InsertionDeletionMetric Metric, IReadOnlyList<string>? Labels, ResultsStore Store, ExplanationTarget? Target);

    private ImageResult ExplainImage(InputImage image, ImageContext c, IProgress<ExplanationProgress> progress, CancellationToken cancellationToken)
    {
        using var scope = torch.NewDisposeScope();
        Tensor input, display;
        try
        {
            (input, display) = c.Preprocessing.Load(image.Path);
        }
        catch (Exception ex) when (ex is ImageLoadException or FileNotFoundException or ArgumentException)
        {
            return new ImageResult { Id = image.Id, Source = image.Path, Status = "failed", Error = ex.Message, Shard = ShardText };
        }

        float[] probabilities;
        using (torch.inference_mode())
        {
            if (c.Target is { } fixedTarget)
            {
                // A region or box: the "probability" is the target's score on the clean image, for its one class.
                var score = fixedTarget.Score(c.Model.Module.call(input.unsqueeze(0)))[0].to_type(ScalarType.Float32).item<float>();
                probabilities = new float[settings.ClassId!.Value + 1];
                probabilities[settings.ClassId!.Value] = score;
            }
            else
            {
            // The probability column: the softmax, or each class's own sigmoid when sigmoid scores are explained.
            var logits = c.Model.Module.call(input.unsqueeze(0));
            probabilities = (settings.Score == ClassScoreKind.Sigmoid ? torch.sigmoid(logits) : torch.softmax(logits, 1))[0]
                .to_type(ScalarType.Float32).data<float>().ToArray();
            }
        }

        var top = c.Target is not null ? (int)settings.ClassId!.Value : Array.IndexOf(probabilities, probabilities.Max());
        var classId = settings.ClassId ?? top;
        string Name(long k) => c.Labels is not null && k < c.Labels.Count ? c.Labels[(int)k] : $"class {k}";

        var clock = Stopwatch.StartNew();
        SaliencyMap map;
        try
        {
            map = c.Explainer.Explain(input, c.Target ?? new ClassTarget(classId, settings.Score), progress, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            // Every image has the same shape after preprocessing, so this is a setting that does not fit the input.
            throw new CliException(ExitCodes.Mismatch, $"--method {settings.Method} cannot explain {c.Preprocessing.Shape} inputs: {ex.Message}", ex);
        }

        using var disposeMap = map;
        var explainSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var metricBefore = c.Metric.ForwardImages;
        var metric = c.Metric.Evaluate(input, map);
        var metricSeconds = clock.Elapsed.TotalSeconds;
        var metricImages = c.Metric.ForwardImages - metricBefore;

        // Pictures and maps, each written under a temporary name and renamed: a file with its final name is complete.
        var imagesDir = Path.Combine(c.Store.Directory, "images");
        var (width, height) = ((int)display.shape[2], (int)display.shape[1]);
        var title = Methods.Title(settings.Method);
        using var picture = ImageIO.ToBitmap(display);
        using var saliency = SaliencyRenderer.Heatmap(map.Saliency, width, height);
        using var overlay = SaliencyRenderer.Overlay(picture, saliency, 0.5f);
        var tiles = new List<(string, SkiaSharp.SKBitmap)>
        {
            (string.Create(CultureInfo.InvariantCulture, $"{Name(classId)} {probabilities[classId]:P0}"), picture),
            ($"{title} saliency", saliency),
            ("overlay", overlay),
        };
        using var deletion = map.DeletionMask is { } mx ? SaliencyRenderer.Heatmap(1 - mx, width, height, scaling: HeatmapScaling.Clamp) : null;
        using var insertion = map.InsertionMask is { } my ? SaliencyRenderer.Heatmap(1 - my, width, height, scaling: HeatmapScaling.Clamp) : null;
        if (deletion is not null) tiles.Add(("deletion 1-Mx", deletion));
        if (insertion is not null) tiles.Add(("insertion 1-My", insertion));
        using var panel = SaliencyRenderer.Panel(tiles);
        using var chart = SaliencyRenderer.CurveChart(metric, new CurveChartOptions { Title = $"{image.Id}: {title}, {Name(classId)}" });

        var panelFile = $"images/{image.Id}-panel.png";
        var curvesFile = $"images/{image.Id}-curves.png";
        var npyFile = $"images/{image.Id}-saliency.npy";
        var fullNpyFile = $"images/{image.Id}-saliency-full.npy";
        AtomicFile.Write(Path.Combine(imagesDir, Path.GetFileName(panelFile)), path => ImageIO.SavePng(panel, path));
        AtomicFile.Write(Path.Combine(imagesDir, Path.GetFileName(curvesFile)), path => ImageIO.SavePng(chart, path));
        AtomicFile.WriteBytes(Path.Combine(imagesDir, Path.GetFileName(npyFile)), NpyOf(map.Saliency));
        var full = map.Upsample();
        AtomicFile.WriteBytes(Path.Combine(imagesDir, Path.GetFileName(fullNpyFile)), NpyOf(full));

        return new ImageResult
        {
            Id = image.Id,
            Source = image.Path,
            Status = "ok",
            ClassId = classId,
            ClassName = Name(classId),
            Probability = probabilities[classId],
            TopClassId = top,
            TopProbability = probabilities[top],
            DeletionAuc = metric.DeletionAuc,
            InsertionAuc = metric.InsertionAuc,
            ExplainSeconds = explainSeconds,
            MetricSeconds = metricSeconds,
            ModelImages = map.Trace.ForwardImages,
            BackwardImages = map.Trace.BackwardImages,
            MetricImages = metricImages,
            MapSize = string.Create(CultureInfo.InvariantCulture, $"{map.Saliency.shape[0]}x{map.Saliency.shape[1]}"),
            Panel = panelFile,
            Curves = curvesFile,
            SaliencyNpy = npyFile,
            SaliencyFullNpy = fullNpyFile,
            DeletionCurve = metric.DeletionCurve,
            InsertionCurve = metric.InsertionCurve,
            Warnings = map.Warnings.Select(w => w.Message).ToList(),
            Shard = ShardText,
        };
    }

    private string? ShardText => settings.Shard is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.Index}/{s.Count}") : null;

    private static byte[] NpyOf(Tensor map)
    {
        var values = map.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        return Npy.EncodeFloat32(values, map.shape);
    }

    private static List<string>? ReadLabels(string? path, long classes)
    {
        if (path is null) return null;
        if (!File.Exists(path)) throw new CliException(ExitCodes.Usage, $"--labels: file '{path}' does not exist.");
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).ToList();
        while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        if (lines.Count != classes)
            throw new CliException(ExitCodes.Mismatch, $"--labels: '{path}' has {lines.Count} names but the model has {classes} classes (one name per line, line k names class k).");
        return lines;
    }

    private static string Fingerprint(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", parts))));
}
