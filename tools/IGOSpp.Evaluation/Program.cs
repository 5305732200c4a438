using System.Globalization;
using IGOSpp;
using IGOSpp.Samples;
using IGOSpp.Evaluation;
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
//       [--reverse]      explain the images last to first (each keeps its seed, which is its position among the N):
//                        a second process with its own --log works from the other end; append the second log's
//                        complete lines (drop a last line cut by stopping the process) to the first and run again
//                        with --resume to build the table from both
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
var images = chosen.Select((index, position) => new EvaluationImage(index, () => all[index], labels[index], Order: position)).ToList();
if (args.Contains("--reverse")) images.Reverse();
ProgressBar? bar = null;
EvaluationProtocol.Run(model, methods, images, log,
    (method, done, records) =>
    {
        if (done == 1) bar = new ProgressBar(method.Title, chosen.Length);
        bar!.Report(done, records.Average(r => r.Auc[method.Variants[0].Title][0]), records.Average(r => r.Auc[method.Variants[0].Title][1]));
        if (done == chosen.Length) bar.Done();
    },
    (rows, lineSearch) =>
    {
        if (lineSearch is not null) Console.WriteLine($"  {lineSearch}");
        // Written after every method, so a long run that is stopped keeps the methods it finished.
        ResultsTable.Merge(outPath, ResultsTable.Render(rows, chosen.Length, $"dotnet run -c Release --project tools/IGOSpp.Evaluation -- {string.Join(' ', args)}",
            group, modelDescription, imageSize, $"first N = {chosen.Length} correctly classified Fashion-MNIST test images, class = the label"), group);
        Console.WriteLine($"Wrote {rows.Count} rows to {Path.GetFullPath(outPath)}; per-image records in {log.FilePath}.");
    });

return 0;

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
