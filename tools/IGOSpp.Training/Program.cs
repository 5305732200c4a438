// Trains the bundled FashionMnistNet (samples/IGOSpp.Samples/FashionMnistNet.weights) and exports the sample images.
//
//   dotnet run -c Release --project tools/IGOSpp.Training -- train [--epochs 4] [--seed 20261127] [--threads 2]
//       [--data /usr/share/datasets/fashion-mnist] [--out samples/IGOSpp.Samples/FashionMnistNet.weights]
//   dotnet run -c Release --project tools/IGOSpp.Training -- export-samples [--data ...] [--out samples/images]
//   dotnet run -c Release --project tools/IGOSpp.Training -- evaluate [--weights PATH]   (default: embedded weights)
//   dotnet run -c Release --project tools/IGOSpp.Training -- render-demo [--image PNG] [--out artifacts/render-demo]
//
// Run it from the repository root. See docs/model.md for the recorded results.
using System.Diagnostics;
using System.Globalization;
using IGOSpp.Samples;
using IGOSpp.Imaging;
using TorchSharp;
using static TorchSharp.torch;
using TensorIndex = TorchSharp.torch.TensorIndex;

namespace IGOSpp.Training;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("train" or "export-samples" or "evaluate" or "render-demo"))
        {
            Console.Error.WriteLine("usage: IGOSpp.Training train|evaluate|export-samples|render-demo [--epochs N] [--seed S] [--threads T] [--batch B] [--lr LR] [--data DIR] [--out PATH] [--weights PATH]");
            return 2;
        }

        var options = ParseOptions(args.AsSpan(1));
        string data = options.GetValueOrDefault("data", FashionMnist.DefaultDirectory);
        int threads = int.Parse(options.GetValueOrDefault("threads", "2"), CultureInfo.InvariantCulture);
        torch.set_num_threads(threads);

        switch (args[0])
        {
            case "train":
                Train(
                    data,
                    options.GetValueOrDefault("out", "samples/IGOSpp.Samples/FashionMnistNet.weights"),
                    epochs: int.Parse(options.GetValueOrDefault("epochs", "4"), CultureInfo.InvariantCulture),
                    seed: long.Parse(options.GetValueOrDefault("seed", "20261127"), CultureInfo.InvariantCulture),
                    batchSize: int.Parse(options.GetValueOrDefault("batch", "128"), CultureInfo.InvariantCulture),
                    maxLr: double.Parse(options.GetValueOrDefault("lr", "0.002"), CultureInfo.InvariantCulture),
                    threads);
                break;
            case "evaluate":
                using (var model = options.TryGetValue("weights", out var w) ? LoadFrom(w) : FashionMnistNet.LoadPretrained())
                {
                    Console.WriteLine($"test accuracy: {Evaluate(model, data, count: null):P2}");
                }

                break;
            case "render-demo":
                RenderDemo(options.GetValueOrDefault("image", "samples/images/9-ankle-boot.png"), options.GetValueOrDefault("out", "artifacts/render-demo"));
                break;
            default:
                ExportSamples(data, options.GetValueOrDefault("out", "samples/images"));
                break;
        }

        return 0;
    }

    private static Dictionary<string, string> ParseOptions(ReadOnlySpan<string> args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected '--name value' pairs but found '{args[i]}'.", nameof(args));
            }

            options[args[i][2..]] = args[i + 1];
        }

        return options;
    }

    private static FashionMnistNet LoadFrom(string path)
    {
        var model = new FashionMnistNet();
        model.load(path);
        model.eval();
        return model;
    }

    private static void Train(string data, string outPath, int epochs, long seed, int batchSize, double maxLr, int threads)
    {
        var clock = Stopwatch.StartNew();
        torch.manual_seed(seed);
        using var train = FashionMnist.Load(FashionMnistSplit.Train, directory: data);
        using var x = FashionMnist.Normalize(train.Images).unsqueeze(1);
        var y = train.Labels;
        long n = x.shape[0];
        long stepsPerEpoch = (n + batchSize - 1) / batchSize;
        long totalSteps = stepsPerEpoch * epochs;

        using var model = new FashionMnistNet();
        Console.WriteLine($"FashionMnistNet: {model.parameters().Sum(p => p.numel())} parameters; {n} training images; " +
                          $"epochs={epochs} batch={batchSize} maxLr={maxLr} seed={seed} threads={threads}");
        using var optimizer = torch.optim.Adam(model.parameters(), lr: maxLr);
        using var generator = new torch.Generator((ulong)seed);

        long step = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            model.train();
            using var perm = torch.randperm(n, generator: generator);
            double lossSum = 0;
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();

                // One-cycle-like schedule: linear warm-up over the first 10% of the steps, then cosine decay to 0.
                double t = (double)step / totalSteps;
                double lr = t < 0.1 ? maxLr * (0.1 + 9 * t) : maxLr * 0.5 * (1 + Math.Cos(Math.PI * (t - 0.1) / 0.9));
                foreach (var group in optimizer.ParamGroups)
                {
                    group.LearningRate = lr;
                }

                var idx = perm.narrow(0, start, Math.Min(batchSize, n - start));
                var logits = model.call(x.index_select(0, idx));
                var loss = torch.nn.functional.cross_entropy(logits, y.index_select(0, idx));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
                step++;
            }

            double acc = Evaluate(model, data, count: null);
            Console.WriteLine($"epoch {epoch}: mean loss {lossSum / stepsPerEpoch:F4}, test accuracy {acc:P2}, elapsed {clock.Elapsed.TotalSeconds:F0} s");
        }

        model.eval();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        model.save(outPath);
        Console.WriteLine($"saved {outPath} ({new FileInfo(outPath).Length} bytes); total time {clock.Elapsed.TotalSeconds:F0} s");
    }

    private static double Evaluate(FashionMnistNet model, string data, int? count)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var test = FashionMnist.Load(FashionMnistSplit.Test, count, data);
            using var noGrad = torch.no_grad();
            long correct = 0;
            for (long start = 0; start < test.Count; start += 1000)
            {
                using var scope = torch.NewDisposeScope();
                long len = Math.Min(1000, test.Count - start);
                var input = FashionMnistNet.Preprocess(test.Images.narrow(0, start, len));
                var predicted = model.call(input).argmax(1);
                correct += predicted.eq(test.Labels.narrow(0, start, len)).sum().item<long>();
            }

            return (double)correct / test.Count;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// Exercises the imaging layer on a real model: a 7x7 occlusion saliency map (each 4x4 cell replaced by the
    /// dataset mean; saliency = drop of the predicted class probability), its heatmap, overlay, a panel, and the
    /// insertion/deletion curves obtained by revealing/removing cells in saliency order.
    /// </summary>
    private static void RenderDemo(string imagePath, string outDir)
    {
        Directory.CreateDirectory(outDir);
        using var model = FashionMnistNet.LoadPretrained();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var image = ImageIO.Load(imagePath, new ImageLoadOptions { Channels = 1, Resize = (28, 28) });
        var x = FashionMnistNet.Preprocess(image.unsqueeze(0));
        var probs = torch.nn.functional.softmax(model.call(x), 1);
        long target = probs.argmax(1).item<long>();
        float baseScore = probs[0, target].item<float>();

        const int Cells = 7, Cell = 4;
        var saliency = new float[Cells, Cells];
        for (int r = 0; r < Cells; r++)
        {
            for (int c = 0; c < Cells; c++)
            {
                var occluded = x.clone();
                occluded[.., .., TensorIndex.Slice(r * Cell, (r + 1) * Cell), TensorIndex.Slice(c * Cell, (c + 1) * Cell)] = torch.tensor(0f);
                saliency[r, c] = baseScore - torch.nn.functional.softmax(model.call(occluded), 1)[0, target].item<float>();
            }
        }

        var order = Enumerable.Range(0, Cells * Cells).OrderByDescending(i => saliency[i / Cells, i % Cells]).ToArray();
        var insertion = new double[order.Length + 1];
        var deletion = new double[order.Length + 1];
        var blank = torch.zeros_like(x);
        for (int k = 0; k <= order.Length; k++)
        {
            var keep = torch.zeros(1, 1, Cells, Cells);
            foreach (int i in order.Take(k))
            {
                keep[0, 0, i / Cells, i % Cells] = torch.tensor(1f);
            }

            var mask = torch.nn.functional.interpolate(keep, new long[] { 28, 28 }, mode: InterpolationMode.Nearest);
            insertion[k] = torch.nn.functional.softmax(model.call(mask * x + (1 - mask) * blank), 1)[0, target].item<float>();
            deletion[k] = torch.nn.functional.softmax(model.call((1 - mask) * x + mask * blank), 1)[0, target].item<float>();
        }

        using var imageBitmap = ImageIO.ToBitmap(image);
        using var heat = SaliencyRenderer.Heatmap(saliency, 28, 28);
        using var overlay = SaliencyRenderer.Overlay(imageBitmap, heat, 0.5f);
        using var insertionMask = SaliencyRenderer.Heatmap(saliency, 28, 28, Colormap.Inferno);
        var tiles = new List<(string, SkiaSharp.SKBitmap)>
        {
            ($"Image ({FashionMnist.ClassNames[(int)target]} {baseScore:P0})", imageBitmap),
            ("Saliency", heat),
            ("Overlay", overlay),
            ("Saliency (inferno)", insertionMask),
        };
        using var panel = SaliencyRenderer.Panel(tiles);
        using var chart = SaliencyRenderer.CurveChart(insertion, deletion, options: new CurveChartOptions { Title = $"Occlusion saliency, class {FashionMnist.ClassNames[(int)target]}" });
        using var bigHeat = SaliencyRenderer.Heatmap(saliency, 224, 224);
        ImageIO.SavePng(bigHeat, Path.Combine(outDir, "heatmap.png"));
        ImageIO.SavePng(ImageIO.Load(imagePath, new ImageLoadOptions { Channels = 3, Resize = (224, 224) }), Path.Combine(outDir, "resized.png"));
        ImageIO.SavePng(ImageIO.Load(Path.Combine(outDir, "resized.png"), new ImageLoadOptions { Resize = (20, 20) }), Path.Combine(outDir, "downsized.png"));
        ImageIO.SavePng(panel, Path.Combine(outDir, "panel.png"));
        ImageIO.SavePng(chart, Path.Combine(outDir, "curves.png"));
        Console.WriteLine($"class {target} ({FashionMnist.ClassNames[(int)target]}), p = {baseScore:F3}; wrote heatmap.png, panel.png, curves.png, resized.png, downsized.png to {outDir}");
    }

    private static void ExportSamples(string data, string outDir)
    {
        using var test = FashionMnist.Load(FashionMnistSplit.Test, 1000, data);
        var labels = test.Labels.data<long>().ToArray();
        Directory.CreateDirectory(outDir);
        for (int c = 0; c < FashionMnist.ClassNames.Count; c++)
        {
            int i = Array.IndexOf(labels, (long)c);
            string slug = FashionMnist.ClassNames[c].ToLowerInvariant().Replace('/', '-').Replace(' ', '-');
            string path = Path.Combine(outDir, $"{c}-{slug}.png");
            using var image = test.Images[i];
            ImageIO.SavePng(image, path);
            Console.WriteLine($"{path}: test image #{i}, label {c} ({FashionMnist.ClassNames[c]})");
        }
    }
}
