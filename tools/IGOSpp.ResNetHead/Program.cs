using System.Diagnostics;
using System.Globalization;
using IGOSpp;
using IGOSpp.Samples.ResNetHead;
using TorchSharp;
using static TorchSharp.torch;

// Trains a linear 512→10 head on frozen features of the real ImageNet-pretrained ResNet-18 (ONNX) for Fashion-MNIST
// images upsampled to 224×224, reports test accuracy and saves the head. With --explain, times one default iGOS++
// explanation (and one with LineSearchWarmStart) on the resulting classifier instead.
//
//   OMP_WAIT_POLICY=PASSIVE dotnet run -c Release --project tools/IGOSpp.ResNetHead -- [options]
//     --train N        training images (first N of the training set), default 3000
//     --test N         test images (first N of the test set), default 1000
//     --epochs N       head training epochs, default 60
//     --preprocess P   caffe (default: the backbone's 0–255 input minus its means) or imagenet-norm (torchvision's
//                      ImageNet mean/std on [0,1]; the noise-fragile benchmark of docs/results.md)
//     --head PATH      where to save (or, with --explain, read) the head, default samples/models/ + the preprocessing's
//                      head file (resnet18-fmnist-head.bin or resnet18-fmnist-head-imagenet-norm.bin)
//     --data DIR       Fashion-MNIST directory, default /usr/share/datasets/fashion-mnist
//     --threads N      torch threads, default 2
//     --explain        time iGOS++ on the first correctly classified test image instead of training
var settings = Settings.Parse(args);
if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
    Console.Error.WriteLine("warning: OMP_WAIT_POLICY is not set; set OMP_WAIT_POLICY=PASSIVE on a shared machine.");
torch.set_num_threads(settings.Threads);
IgosThreading.MaxIntraOpThreads = settings.Threads; // explanations set libtorch's thread count themselves
var onnxPath = Path.Combine(AppContext.BaseDirectory, "Models", "ResNet18.onnx");

if (settings.Explain)
{
    TimeExplanations(onnxPath, settings);
    return 0;
}

var total = Stopwatch.StartNew();
var (trainFeatures, trainLabels) = Features(onnxPath, settings, train: true, settings.Train);
var (testFeatures, testLabels) = Features(onnxPath, settings, train: false, settings.Test);

torch.manual_seed(1);
using var head = ResNetFashionClassifier.CreateHead();
var trainTime = Stopwatch.StartNew();
Train(head, trainFeatures, trainLabels, settings.Epochs);
trainTime.Stop();
var trainAccuracy = Accuracy(head, trainFeatures, trainLabels);
var testAccuracy = Accuracy(head, testFeatures, testLabels);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.HeadPath))!);
head.save(settings.HeadPath);

// Consistency check: the assembled classifier on raw images agrees with the head on the cached features.
using (var model = ResNetFashionClassifier.Create(onnxPath, settings.HeadPath))
using (var scope = torch.NewDisposeScope())
using (torch.inference_mode())
{
    var (pixels, _) = FashionMnistReader.Read(settings.DataDirectory, train: false, 8);
    var logits = model.call(ResNetFashionClassifier.PreprocessBatch(Gray(pixels, 8), settings.Preprocessing));
    var fromFeatures = head.call(testFeatures[..8]);
    Console.WriteLine($"classifier vs cached-feature logits, max |diff| over 8 test images: {(logits - fromFeatures).abs().max().item<float>():E2}");
}

Console.WriteLine($"train slice {settings.Train}, test slice {settings.Test}, epochs {settings.Epochs}, threads {settings.Threads}");
Console.WriteLine($"train accuracy {trainAccuracy:P2}, test accuracy {testAccuracy:P2}");
Console.WriteLine($"head training {trainTime.Elapsed.TotalSeconds:F1} s, total {total.Elapsed.TotalSeconds:F1} s; head saved to {settings.HeadPath} ({new FileInfo(settings.HeadPath).Length} bytes)");
trainFeatures.Dispose(); trainLabels.Dispose(); testFeatures.Dispose(); testLabels.Dispose();
return 0;

static Tensor Gray(byte[] pixels, int count) =>
    torch.tensor(pixels, [count, 1, 28, 28]).to_type(ScalarType.Float32) / 255f;

// 512-d features of the first `count` images of a split, cached in a temp file (float32, little-endian).
static (Tensor Features, Tensor Labels) Features(string onnxPath, Settings settings, bool train, int count)
{
    var (pixels, labels) = FashionMnistReader.Read(settings.DataDirectory, train, count);
    var cache = Path.Combine(Path.GetTempPath(), $"igospp-resnet18-fmnist-{settings.Preprocessing}-{(train ? "train" : "test")}-{count}.f32");
    var values = new float[count * ResNetFashionClassifier.FeatureCount];
    if (File.Exists(cache) && new FileInfo(cache).Length == values.Length * sizeof(float))
    {
        Buffer.BlockCopy(File.ReadAllBytes(cache), 0, values, 0, values.Length * sizeof(float));
        Console.WriteLine($"{(train ? "train" : "test")} features: {count} read from {cache}");
    }
    else
    {
        const int batch = 50;
        var clock = Stopwatch.StartNew();
        using var model = ResNetFashionClassifier.Create(onnxPath, null);
        for (var start = 0; start < count; start += batch)
        {
            using var scope = torch.NewDisposeScope();
            using var mode = torch.inference_mode();
            var n = Math.Min(batch, count - start);
            var x = ResNetFashionClassifier.PreprocessBatch(Gray(pixels[(start * 784)..((start + n) * 784)], n), settings.Preprocessing);
            var f = model.Features(x).contiguous();
            f.data<float>().CopyTo(values, start * ResNetFashionClassifier.FeatureCount);
            if ((start / batch) % 10 == 0)
                Console.WriteLine($"  {(train ? "train" : "test")} {start + n}/{count}  {clock.Elapsed.TotalMilliseconds / (start + n):F1} ms/image");
        }

        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(cache, bytes);
        Console.WriteLine($"{(train ? "train" : "test")} features: {count} in {clock.Elapsed.TotalSeconds:F1} s ({clock.Elapsed.TotalMilliseconds / count:F1} ms/image), cached to {cache}");
    }

    return (torch.tensor(values, [count, ResNetFashionClassifier.FeatureCount]), torch.tensor(labels));
}

static void Train(nn.Module<Tensor, Tensor> head, Tensor features, Tensor labels, int epochs)
{
    const int batchSize = 100;
    var optimizer = torch.optim.Adam(head.parameters(), lr: 1e-3);
    var generator = new torch.Generator(1);
    var n = features.shape[0];
    head.train();
    for (var epoch = 0; epoch < epochs; epoch++)
    {
        using var scope = torch.NewDisposeScope();
        var order = torch.randperm(n, generator: generator);
        var epochLoss = 0.0;
        for (long start = 0; start < n; start += batchSize)
        {
            var index = order.narrow(0, start, Math.Min(batchSize, n - start));
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(head.call(features[index]), labels[index]);
            loss.backward();
            optimizer.step();
            epochLoss += loss.item<float>() * index.shape[0];
        }

        if (epoch % 10 == 0 || epoch == epochs - 1)
            Console.WriteLine($"  epoch {epoch + 1}/{epochs}: loss {epochLoss / n:F4}");
    }

    head.eval();
}

static double Accuracy(nn.Module<Tensor, Tensor> head, Tensor features, Tensor labels)
{
    using var scope = torch.NewDisposeScope();
    using var mode = torch.inference_mode();
    return head.call(features).argmax(1).eq(labels).to_type(ScalarType.Float64).mean().item<double>();
}

static void TimeExplanations(string onnxPath, Settings settings)
{
    using var model = ResNetFashionClassifier.Create(onnxPath, settings.HeadPath);
    var (pixels, labels) = FashionMnistReader.Read(settings.DataDirectory, train: false, 32);
    long index = -1, predicted = -1;
    using (var scope = torch.NewDisposeScope())
    using (torch.inference_mode())
    {
        var predictions = model.call(ResNetFashionClassifier.PreprocessBatch(Gray(pixels, 32), settings.Preprocessing)).argmax(1).data<long>().ToArray();
        for (var i = 0; i < predictions.Length && index < 0; i++)
        {
            if (predictions[i] == labels[i]) (index, predicted) = (i, predictions[i]);
        }
    }

    if (index < 0) throw new InvalidOperationException("None of the first 32 test images is classified correctly.");
    using var gray = Gray(pixels[(int)(index * 784)..(int)((index + 1) * 784)], 1);
    using var image = ResNetFashionClassifier.Preprocess(gray[0], settings.Preprocessing);
    Console.WriteLine($"test image {index}, class {predicted}");
    foreach (var warm in new[] { false, true })
    {
        var options = new IgosPlusPlusOptions { MaskSize = 28, Seed = 1, LineSearchWarmStart = warm };
        using var explainer = new IgosPlusPlusExplainer(model, options);
        var clock = Stopwatch.StartNew();
        using var map = explainer.Explain(image, predicted);
        clock.Stop();
        Console.WriteLine($"iGOS++ defaults (MaskSize 28, Seed 1), LineSearchWarmStart={warm}: {clock.Elapsed.TotalSeconds:F1} s, original score {map.OriginalScore:F4}");
    }
}

internal sealed record Settings(int Train, int Test, int Epochs, string? Head, string DataDirectory, int Threads, bool Explain,
    ResNetPreprocessing Preprocessing)
{
    public string HeadPath => Head ?? Path.Combine("samples", "models", ResNetFashionClassifier.HeadFileName(Preprocessing));

    public static Settings Parse(string[] args)
    {
        var s = new Settings(3000, 1000, 60, null, FashionMnistReader.DefaultDirectory, 2, false, ResNetPreprocessing.Caffe);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.", nameof(args));
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            s = args[i] switch
            {
                "--train" => s with { Train = NextInt() },
                "--test" => s with { Test = NextInt() },
                "--epochs" => s with { Epochs = NextInt() },
                "--head" => s with { Head = Next() },
                "--preprocess" => s with
                {
                    Preprocessing = Next() switch
                    {
                        "caffe" => ResNetPreprocessing.Caffe,
                        "imagenet-norm" => ResNetPreprocessing.ImageNetNormalized,
                        var other => throw new ArgumentException($"Unknown --preprocess '{other}' (caffe or imagenet-norm).", nameof(args)),
                    },
                },
                "--data" => s with { DataDirectory = Next() },
                "--threads" => s with { Threads = NextInt() },
                "--explain" => s with { Explain = true },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'.", nameof(args)),
            };
        }

        return s;
    }
}
