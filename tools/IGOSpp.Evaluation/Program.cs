using System.Diagnostics;
using System.Globalization;
using System.Text;
using IGOSpp;
using IGOSpp.Samples;
using IGOSpp.Evaluation;
using IGOSpp.Metrics;
using IGOSpp.Samples.ResNetHead;
using TorchSharp;
using static TorchSharp.torch;

// Evaluation runner: explains the first N correctly classified Fashion-MNIST test images with every method, scores
// each map with the insertion/deletion metric and writes a markdown table (mean ± standard deviation, seconds per
// image, settings, machine) to docs/results.md (or --out).
//
//   dotnet run -c Release --project tools/IGOSpp.Evaluation -- [--count 100] [--methods a,b] [--out docs/results.md]
//       [--model NAME]   fmnist (default): the bundled 28×28 FashionMnistNet;
//                        resnet18-head: the ImageNet-pretrained ResNet-18 (ONNX) + linear head at 224×224 on the
//                        backbone's own 0–255 input (tools/IGOSpp.ResNetHead; --head PATH, default
//                        samples/models/resnet18-fmnist-head.bin)
//                        resnet18-head-imagenet-norm: the same backbone with torchvision's ImageNet mean/std on [0,1]
//                        and its own head (samples/models/resnet18-fmnist-head-imagenet-norm.bin): the class score
//                        collapses under the path noise (docs/results.md)
//       [--group NAME]   the table replaces the section of docs/results.md marked with NAME (default: the model's name)
//       [--threads N]    libtorch intra-op threads
//       [--noise-std S]  NoiseStd of the I-GOS family methods, default 0.2 (the paper's value in ImageNet-normalized
//                        units; 11.5 is the same noise on the resnet18-head model's 0–255 input)
//       [--log PATH]     per-image records (AUCs, seconds, model images, trace) as JSON lines, default
//                        out/evaluation/<group>.jsonl
//       [--resume]       reuse the records of images the log already has for the same method and settings
var count = int.Parse(Arg("--count") ?? "100", CultureInfo.InvariantCulture);
var root = FindRoot();
var outPath = Arg("--out") ?? Path.Combine(root, "docs", "results.md");
var selected = Arg("--methods")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (Arg("--threads") is { } threads) IgosThreading.MaxIntraOpThreads = int.Parse(threads, CultureInfo.InvariantCulture);
var modelName = Arg("--model") ?? "fmnist";
if (modelName is not ("fmnist" or "resnet18-head" or "resnet18-head-imagenet-norm"))
{
    Console.Error.WriteLine($"Unknown --model '{modelName}'. Known: fmnist, resnet18-head, resnet18-head-imagenet-norm.");
    return 1;
}

var resnet = modelName.StartsWith("resnet18-head", StringComparison.Ordinal);
var preprocessing = modelName == "resnet18-head-imagenet-norm" ? ResNetPreprocessing.ImageNetNormalized : ResNetPreprocessing.Caffe;
var imageSize = resnet ? ResNetFashionClassifier.ImageSize : FashionMnist.ImageSize;
var noiseStd = double.Parse(Arg("--noise-std") ?? "0.2", CultureInfo.InvariantCulture);
var catalog = MethodCatalog.All(imageSize, resnet ? "trunk" : null, noiseStd).ToList();
var methods = catalog.Where(m => selected is null || selected.Contains(m.Key)).ToList();
if (methods.Count == 0)
{
    Console.Error.WriteLine($"No method matches. Known: {string.Join(", ", catalog.Select(m => m.Key))}");
    return 1;
}

using nn.Module<Tensor, Tensor> model = resnet
    ? ResNetFashionClassifier.Create(Path.Combine(AppContext.BaseDirectory, "Models", "ResNet18.onnx"),
        Arg("--head") ?? Path.Combine(root, "samples", "models", ResNetFashionClassifier.HeadFileName(preprocessing)))
    : FashionMnistNet.LoadPretrained();
var modelDescription = resnet
    ? "ResNet-18 (ImageNet-pretrained, imported from ML.NET's ResNet18.onnx, frozen) + linear 512→10 head trained on Fashion-MNIST (tools/IGOSpp.ResNetHead), images upsampled to 224×224" +
      (preprocessing == ResNetPreprocessing.Caffe ? " on the backbone's 0–255 input" : ", normalized with torchvision's ImageNet mean/std (noise-fragile)")
    : "Bundled Fashion-MNIST model (`FashionMnistNet`)";

// The first `count` correctly classified test images.
using var test = FashionMnist.Load(FashionMnistSplit.Test, Math.Min(10_000, count * 2 + 100));
using var all = resnet
    ? ResNetFashionClassifier.PreprocessBatch(test.Images.unsqueeze(1).to_type(ScalarType.Float32).div_(255f), preprocessing)
    : FashionMnistNet.Preprocess(test.Images);
var predicted = new List<long>();
using (torch.inference_mode())
{
    for (long start = 0; start < all.shape[0]; start += 32)
    {
        using var scope = torch.NewDisposeScope();
        predicted.AddRange(model.call(all.narrow(0, start, Math.Min(32, all.shape[0] - start))).argmax(1).data<long>().ToArray());
    }
}

var labels = test.Labels.to(ScalarType.Int64).data<long>().ToArray();
var chosen = Enumerable.Range(0, labels.Length).Where(i => predicted[i] == labels[i]).Take(count).ToArray();
if (chosen.Length < count) Console.Error.WriteLine($"Only {chosen.Length} correctly classified images found.");

var group = Arg("--group") ?? (resnet ? modelName : "fashion-mnist");
var log = new ImageLog(Arg("--log") ?? Path.Combine(root, "out", "evaluation", $"{group}.jsonl"), args.Contains("--resume"));
var metric = new InsertionDeletionMetric(model);
var rows = new List<ResultRow>();
foreach (var method in methods)
{
    var records = new List<ImageRecord>();
    var bar = new ProgressBar(method.Title, chosen.Length);
    for (var j = 0; j < chosen.Length; j++)
    {
        var index = chosen[j];
        var record = log.Find(method.Key, method.Settings, index) ?? Explain(method, j, index);
        records.Add(record);
        bar.Report(j + 1, records.Average(r => r.Auc[method.Variants[0].Title][0]), records.Average(r => r.Auc[method.Variants[0].Title][1]));
    }

    bar.Done();
    var steps = records.SelectMany(r => r.Iterations).Where(t => t.Trials > 0).Select(t => t.Step).Order().ToArray();
    var trials = records.SelectMany(r => r.Iterations).Select(t => (double)t.Trials).ToArray();
    if (steps.Length > 0)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  line search: median accepted step {steps[steps.Length / 2]:G3}, line-search trials per iteration (mean) {trials.Average():F2}"));
    var cost = new MethodCost(
        records.Select(r => r.Seconds).ToList(),
        records.Select(r => (double)(r.ForwardImages + r.BackwardImages)).ToList(),
        trials.Length > 0 && steps.Length > 0 ? trials.Average() : double.NaN);
    foreach (var variant in method.Variants)
        rows.Add(new ResultRow(variant.Title, method.Resolution, records.Select(r => r.Auc[variant.Title][0]).ToList(),
            records.Select(r => r.Auc[variant.Title][1]).ToList(), cost, method.Settings));

    // Written after every method, so a long run that is stopped keeps the methods it finished.
    ResultsTable.Merge(outPath, ResultsTable.Render(rows, chosen.Length, string.Join(' ', args), group, modelDescription, imageSize), group);
    Console.WriteLine($"Wrote {rows.Count} rows to {Path.GetFullPath(outPath)}; per-image records in {log.FilePath}.");
}

return 0;

ImageRecord Explain(MethodSpec method, int order, int index)
{
    using var scope = torch.NewDisposeScope();
    var image = all[index];
    using var explainer = method.Create(model, order);
    var clock = Stopwatch.StartNew();
    using var map = explainer.Explain(image, labels[index]);
    var seconds = clock.Elapsed.TotalSeconds;
    var auc = new Dictionary<string, double[]>();
    foreach (var variant in method.Variants)
    {
        var result = metric.Evaluate(image, labels[index], variant.Saliency(map));
        auc[variant.Title] = [result.DeletionAuc, result.InsertionAuc];
    }

    var record = new ImageRecord
    {
        Method = method.Key,
        Settings = method.Settings,
        Order = order,
        TestIndex = index,
        Label = labels[index],
        OriginalScore = map.OriginalScore,
        Seconds = seconds,
        ForwardImages = map.Trace.ForwardImages,
        BackwardImages = map.Trace.BackwardImages,
        Auc = auc,
        Iterations = map.Trace.Iterations.Select(t => new IterationRecord(t.Loss, t.StepSize, t.LossAfterStep, t.LineSearchTrials,
            t.Scores.ToArray(), t.Regularizer, t.PathScoreRatio)).ToArray(),
        Warnings = map.Warnings.Select(w => w.Kind.ToString()).ToArray(),
    };
    log.Append(record);
    return record;
}

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "IGOSpp.sln"))) return dir.FullName;
    return Directory.GetCurrentDirectory();
}
