using System.Diagnostics;
using System.Globalization;
using IGOSpp;
using IGOSpp.Imaging;
using IGOSpp.Metrics;
using IGOSpp.Samples;
using TorchSharp;
using static TorchSharp.torch;

// IGOSpp quick start: explains the bundled Fashion-MNIST sample images with the bundled model using iGOS++, prints
// the predicted class, its probability and the deletion/insertion AUC of each explanation, and writes a panel
// (image | saliency | overlay | deletion mask | insertion mask) and the insertion/deletion curves of each image.
//
//   dotnet run -c Release --project samples/IGOSpp.Quickstart [-- --out out/quickstart --images samples/images]
var outDir = Arg("--out") ?? Path.Combine("out", "quickstart");
var imageDir = Arg("--images") ?? FindSamples();
Directory.CreateDirectory(outDir);
var clock = Stopwatch.StartNew();

using var model = FashionMnistNet.LoadPretrained();
var files = Directory.GetFiles(imageDir, "*.png").OrderBy(f => f, StringComparer.Ordinal).ToArray();
if (files.Length == 0)
{
    Console.Error.WriteLine($"No PNG images in {imageDir}.");
    return 1;
}

using var scope = torch.NewDisposeScope();
var raw = torch.stack(files.Select(f => ImageIO.Load(f, new ImageLoadOptions { Channels = 1, Resize = (28, 28) })).ToArray());
var images = FashionMnistNet.Preprocess(raw);
long[] classes;
float[] probabilities;
using (torch.inference_mode())
{
    var p = model.call(images).softmax(1);
    classes = p.argmax(1).data<long>().ToArray();
    probabilities = p.max(1).values.data<float>().ToArray();
}

// One batched call: all images are optimized together (each with its own step sizes).
using var explainer = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { Seed = 1 });
var maps = explainer.Explain(images, classes);
var metric = new InsertionDeletionMetric(model);
var normalization = ImageNormalization.FashionMnist;

Console.WriteLine($"{"image",-24} {"class",-12} {"prob",6} {"deletion",9} {"insertion",9}");
for (var i = 0; i < files.Length; i++)
{
    using var map = maps[i];
    var image = images[i];
    var result = metric.Evaluate(image, map);
    var name = Path.GetFileNameWithoutExtension(files[i]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-24} {FashionMnistNet.ClassNames[(int)classes[i]],-12} {probabilities[i],6:F3} {result.DeletionAuc,9:F4} {result.InsertionAuc,9:F4}"));

    using var picture = ImageIO.ToBitmap(image, normalization);
    using var saliency = SaliencyRenderer.Heatmap(map.Saliency, 28, 28);
    using var overlay = SaliencyRenderer.Overlay(image, map.Saliency, 0.5f, normalization);
    using var deletion = SaliencyRenderer.Heatmap(1 - map.DeletionMask!, 28, 28, scaling: HeatmapScaling.Clamp);
    using var insertion = SaliencyRenderer.Heatmap(1 - map.InsertionMask!, 28, 28, scaling: HeatmapScaling.Clamp);
    using var panel = SaliencyRenderer.Panel(
    [
        ($"{FashionMnistNet.ClassNames[(int)classes[i]]} {probabilities[i]:P0}", picture),
        ("iGOS++ saliency", saliency),
        ("overlay", overlay),
        ("deletion 1-Mx", deletion),
        ("insertion 1-My", insertion),
    ]);
    ImageIO.SavePng(panel, Path.Combine(outDir, $"{name}-panel.png"));
    using var chart = SaliencyRenderer.CurveChart(result,
        new CurveChartOptions { Title = $"{name}: iGOS++ 28x28" });
    ImageIO.SavePng(chart, Path.Combine(outDir, $"{name}-curves.png"));
}

Console.WriteLine($"Wrote {2 * files.Length} pictures to {Path.GetFullPath(outDir)} in {clock.Elapsed.TotalSeconds:F1} s.");
return 0;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string FindSamples()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "samples", "images");
        if (Directory.Exists(candidate)) return candidate;
    }

    return Path.Combine("samples", "images");
}
