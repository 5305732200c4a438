using System.Globalization;
using IGOSpp.Cli.Explain;
using IGOSpp.Evaluation;
using IGOSpp.Samples;
using TorchSharp;

namespace IGOSpp.Cli.Evaluate;

/// <summary>
/// <c>igospp evaluate</c>: the Table-1 protocol of docs/results.md (tools/IGOSpp.Evaluation's code) on the user's model
/// and images: every method explains every image (class: --class, else the model's top class), the maps are scored by
/// the insertion/deletion metric, and the table (mean ± standard error, seconds and model images per image) is written
/// to DIR/results.md after every method. DIR/evaluation.jsonl logs every image; a re-run reuses it.
/// </summary>
internal sealed class EvaluateRunner(EvaluateSettings settings, TextWriter stdout, TextWriter stderr, bool interactive)
{
    public const string TableFile = "results.md";
    public const string LogFile = "evaluation.jsonl";

    /// <summary>Decodes the image files (of this shard) once; an image that does not decode is reported and left out.
    /// Class: --class, else the model's top class. The tensors belong to the caller's dispose scope.</summary>
    private (List<EvaluationImage> Images, int Failures, string Source) FileImages(LoadedModel model, Preprocessing preprocessing)
    {
        var common = settings.Common;
        var files = InputFiles.Expand(common.Inputs, common.OutputDirectory);
        var images = new List<EvaluationImage>();
        var failures = 0;
        for (var i = 0; i < files.Count; i++)
        {
            if (common.Shard is { } sh && i % sh.Count != sh.Index) continue;
            torch.Tensor input;
            try
            {
                (input, var display) = preprocessing.Load(files[i].Path);
                display.Dispose();
            }
            catch (Exception ex) when (ex is IGOSpp.Imaging.ImageLoadException or FileNotFoundException or ArgumentException)
            {
                stderr.WriteLine($"error: {files[i].Path}: {ex.Message}");
                failures++;
                continue;
            }

            var classId = common.ClassId ?? TopClass(model, input);
            // Index and order are the position in the whole sorted list, so shards reproduce an unsharded run.
            images.Add(new EvaluationImage(i, () => input, classId, files[i].Path, Order: i));
        }

        return (images, failures, $"N = {{0}} images of {string.Join(", ", common.Inputs).Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal)}");
    }

    /// <summary>The protocol of docs/results.md: the first --count correctly classified Fashion-MNIST test images
    /// (in test-set order; of this shard), class = the label.</summary>
    private List<EvaluationImage> FashionMnistImages(string directory, LoadedModel model, Preprocessing preprocessing)
    {
        LabeledImages test;
        try
        {
            test = FashionMnist.Load(FashionMnistSplit.Test, Math.Min(10_000, settings.Count * 2 + 100), directory);
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or DirectoryNotFoundException)
        {
            throw new CliException(ExitCodes.Usage, $"--fashion-mnist: {ex.Message}", ex);
        }

        using (test)
        {
            var labels = test.Labels.to(torch.ScalarType.Int64).data<long>().ToArray();
            var images = new List<EvaluationImage>();
            var correct = 0;
            for (var i = 0; i < labels.Length && correct < settings.Count; i++)
            {
                torch.Tensor input;
                using (var local = torch.NewDisposeScope())
                {
                    input = preprocessing.Prepare(test.Images[i].unsqueeze(0).to(torch.ScalarType.Float32).div_(255f));
                    if (TopClass(model, input) != labels[i]) continue; // disposed with the local scope
                    input.MoveToOuterDisposeScope();
                }

                var order = correct++;
                if (settings.Common.Shard is { } sh && order % sh.Count != sh.Index) continue;
                images.Add(new EvaluationImage(i, () => input, labels[i], Order: order));
            }

            if (correct < settings.Count) stderr.WriteLine($"warning: only {correct} correctly classified test images among the first {labels.Length}.");
            return images;
        }
    }

    private static long TopClass(LoadedModel model, torch.Tensor input)
    {
        using var inference = torch.inference_mode();
        using var logits = model.Module.call(input.unsqueeze(0));
        return logits.argmax(1).item<long>();
    }

    public int Run(CancellationToken cancellationToken)
    {
        var common = settings.Common;
        var threads = common.Threads ?? Environment.ProcessorCount;
        torch.set_num_threads(threads);
        IgosThreading.MaxIntraOpThreads = threads;
        using var model = LoadedModel.Load(common.ModelPath, common.Layer, common.OutputName, common.Architecture, common.ArchitectureClasses);
        var preprocessing = Preprocessing.From(common, model.DeclaredInput);
        var classes = model.Probe(preprocessing.Channels, preprocessing.Height, preprocessing.Width, preprocessing.Shape);
        if (common.ClassId is { } k && k >= classes)
            throw new CliException(ExitCodes.Mismatch, $"--class {k} is outside the model's outputs: it has {classes} classes (0..{classes - 1}).");
        string? layer = common.Layer is null ? null : model.Format == "onnx" ? model.ObservedModules[common.Layer] : common.Layer;
        var catalog = MethodCatalog.All(Math.Min(preprocessing.Height, preprocessing.Width), layer, settings.NoiseStd).ToList();
        var unknown = settings.Methods.Where(m => catalog.All(c => c.Key != m)).ToList();
        if (unknown.Count > 0)
            throw new CliException(ExitCodes.Usage, $"Unknown --methods {string.Join(", ", unknown)}. Known: {string.Join(", ", catalog.Select(c => c.Key))}.");
        var methods = settings.Methods.Select(m => catalog.First(c => c.Key == m)).ToList();

        try
        {
            Directory.CreateDirectory(common.OutputDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Output, $"Output folder '{common.OutputDirectory}' cannot be written: {ex.Message}", ex);
        }

        using var scope = torch.NewDisposeScope();
        var (images, failures, source) = settings.FashionMnist is { } dataset
            ? (FashionMnistImages(dataset, model, preprocessing), 0, $"the first N = {{0}} correctly classified Fashion-MNIST test images")
            : FileImages(model, preprocessing);
        if (images.Count == 0) throw new CliException(ExitCodes.Mismatch, "No image could be decoded.");
        var table = Path.Combine(common.OutputDirectory, TableFile);
        var log = new ImageLog(Path.Combine(common.OutputDirectory, LogFile), resume: true);
        var description = $"{Path.GetFileName(common.ModelPath)} ({model.Format}, sha256 {model.Sha256}), input {preprocessing.Shape}: {preprocessing.Describe()}";
        var classText = common.ClassId is { } c ? c.ToString(CultureInfo.InvariantCulture) : "the model's top class";
        var shardText = common.Shard is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.Index}/{s.Count}") : null;
        if (settings.FashionMnist is not null) classText = "the label";
        var population = string.Format(CultureInfo.InvariantCulture, source, images.Count) +
                         (shardText is null ? "" : $" (shard {shardText})") + $", class = {classText}";
        var imageSize = Math.Min(preprocessing.Height, preprocessing.Width);
        var info = new EvaluationRunInfo
        {
            Model = Path.GetFullPath(common.ModelPath),
            ModelSha256 = model.Sha256,
            Description = description,
            Inputs = settings.FashionMnist is { } fm ? [$"Fashion-MNIST test set ({fm})"] : common.Inputs,
            ClassText = classText,
            ImageSize = imageSize,
            Layer = layer,
            NoiseStd = settings.NoiseStd,
            Methods = settings.Methods,
            Shard = shardText,
            Fingerprint = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join("\n",
                model.Sha256, description, classText, imageSize.ToString(CultureInfo.InvariantCulture), layer ?? "", settings.NoiseStd.ToString("R", CultureInfo.InvariantCulture),
                string.Join(",", settings.Methods))))),
        };
        Output.AtomicFile.WriteText(Path.Combine(common.OutputDirectory, EvaluationRunInfo.FileName),
            System.Text.Json.JsonSerializer.Serialize(info, Output.ResultsStore.Json));
        stdout.WriteLine($"Evaluating {methods.Count} method(s) on {images.Count} image(s) with {Path.GetFileName(common.ModelPath)}; writing {Path.GetFullPath(table)}");

        var total = methods.Count * images.Count;
        var step = 0;
        int Body(IRunProgress progress)
        {
            EvaluationProtocol.Run(model.Module, methods, images, log,
                (method, done, records) =>
                {
                    progress.StartImage($"{method.Key} {done}/{images.Count}", step++, total);
                    progress.FinishImage(string.Create(CultureInfo.InvariantCulture,
                        $"{method.Key} {done}/{images.Count}: mean deletion AUC {records.Average(r => r.Auc[method.Variants[0].Title][0]):F4}, insertion AUC {records.Average(r => r.Auc[method.Variants[0].Title][1]):F4}"));
                },
                (rows, lineSearch) =>
                {
                    if (lineSearch is not null) progress.Message($"  {lineSearch}");
                    ResultsTable.Merge(table, ResultsTable.Render(rows, images.Count, $"igospp {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}",
                        "igospp", description, imageSize, population), "igospp");
                },
                cancellationToken);
            return 0;
        }

        try
        {
            if (interactive) SpectreProgress.Run(total, Body);
            else Body(new PlainProgress(stdout));
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine($"Cancelled. Finished images are in {log.FilePath}; run the same command again to resume.");
            return ExitCodes.Cancelled;
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ExitCodes.Mismatch, $"A method cannot explain {preprocessing.Shape} inputs of this model: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Output, $"Writing to '{common.OutputDirectory}' failed: {ex.Message}", ex);
        }

        stdout.WriteLine($"Done: {table}");
        return failures > 0 ? ExitCodes.ImageFailures : ExitCodes.Success;
    }
}
