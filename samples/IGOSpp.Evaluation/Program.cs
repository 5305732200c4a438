using System.Diagnostics;
using System.Globalization;
using System.Text;
using IGOSpp;
using IGOSpp.Data;
using IGOSpp.Evaluation;
using IGOSpp.Metrics;
using IGOSpp.Models;
using TorchSharp;
using static TorchSharp.torch;

// Evaluation runner: explains the first N correctly classified Fashion-MNIST test images with every method, scores
// each map with the insertion/deletion metric and writes a markdown table (mean ± standard deviation, seconds per
// image, settings, machine) to docs/results.md (or --out).
//
//   dotnet run -c Release --project samples/IGOSpp.Evaluation -- [--count 100] [--methods a,b] [--out docs/results.md]
//       [--group NAME]   the table replaces the section of docs/results.md marked with NAME (default fashion-mnist)
//       [--threads N]    libtorch intra-op threads
var count = int.Parse(Arg("--count") ?? "100", CultureInfo.InvariantCulture);
var outPath = Arg("--out") ?? Path.Combine(FindRoot(), "docs", "results.md");
var selected = Arg("--methods")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (Arg("--threads") is { } threads) IgosThreading.MaxIntraOpThreads = int.Parse(threads, CultureInfo.InvariantCulture);

using var model = FashionMnistNet.LoadPretrained();
var methods = MethodCatalog.All().Where(m => selected is null || selected.Contains(m.Key)).ToList();
if (methods.Count == 0)
{
    Console.Error.WriteLine($"No method matches. Known: {string.Join(", ", MethodCatalog.All().Select(m => m.Key))}");
    return 1;
}

// The first `count` correctly classified test images.
using var test = FashionMnist.Load(FashionMnistSplit.Test, Math.Min(10_000, count * 2 + 100));
using var all = FashionMnistNet.Preprocess(test.Images);
long[] predicted;
using (torch.inference_mode())
using (var logits = model.call(all))
    predicted = logits.argmax(1).data<long>().ToArray();
var labels = test.Labels.to(ScalarType.Int64).data<long>().ToArray();
var chosen = Enumerable.Range(0, labels.Length).Where(i => predicted[i] == labels[i]).Take(count).ToArray();
if (chosen.Length < count) Console.Error.WriteLine($"Only {chosen.Length} correctly classified images found.");

var metric = new InsertionDeletionMetric(model);
var rows = new List<ResultRow>();
foreach (var method in methods)
{
    var stats = method.Variants.ToDictionary(v => v, _ => (Deletion: new List<double>(), Insertion: new List<double>()));
    var seconds = new List<double>();
    var steps = new List<double>();
    var trials = new List<int>();
    var bar = new ProgressBar(method.Title, chosen.Length);
    for (var j = 0; j < chosen.Length; j++)
    {
        var index = chosen[j];
        using var scope = torch.NewDisposeScope();
        var image = all[index];
        using var explainer = method.Create(model, j);
        var clock = Stopwatch.StartNew();
        using var map = explainer.Explain(image, labels[index]);
        seconds.Add(clock.Elapsed.TotalSeconds);
        steps.AddRange(map.Trace.Iterations.Where(t => t.LineSearchTrials > 0).Select(t => t.StepSize));
        trials.AddRange(map.Trace.Iterations.Select(t => t.LineSearchTrials));
        foreach (var variant in method.Variants)
        {
            var result = metric.Evaluate(image, labels[index], variant.Saliency(map));
            stats[variant].Deletion.Add(result.DeletionAuc);
            stats[variant].Insertion.Add(result.InsertionAuc);
        }

        bar.Report(j + 1, stats[method.Variants[0]].Deletion.Average(), stats[method.Variants[0]].Insertion.Average());
    }

    bar.Done();
    if (steps.Count > 0)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  line search: median accepted step {steps.Order().ElementAt(steps.Count / 2):G3}, line-search trials per iteration (mean) {trials.Average():F2}"));
    foreach (var variant in method.Variants)
        rows.Add(new ResultRow(variant.Title, method.Resolution, stats[variant].Deletion, stats[variant].Insertion, seconds, method.Settings));
}

var group = Arg("--group") ?? "fashion-mnist";
var markdown = ResultsTable.Render(rows, chosen.Length, string.Join(' ', args), group);
ResultsTable.Merge(outPath, markdown, group);
Console.WriteLine($"Wrote {rows.Count} rows to {Path.GetFullPath(outPath)}.");
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
