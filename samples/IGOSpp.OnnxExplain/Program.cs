using System.Diagnostics;
using System.Globalization;
using IGOSpp;
using IGOSpp.Imaging;
using IGOSpp.Metrics;
using IGOSpp.Onnx;
using IGOSpp.Samples.OnnxExplain;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

// Explains an image with an ONNX classifier end to end: loads the .onnx file as a differentiable module
// (IGOSpp.Onnx.OnnxModel), checks it against ONNX Runtime on the image, explains the predicted (or given) class with
// iGOS++, prints the class, its probability and the deletion/insertion AUC, and writes a panel (image | saliency |
// overlay | deletion 1-Mx | insertion 1-My) and the insertion/deletion curves.
//
// Without --onnx it first writes a real ONNX classifier, out/onnx/resnet18-fmnist.onnx: ML.NET's ImageNet-pretrained
// ResNet18.onnx + Flatten + Gemm with the trained Fashion-MNIST head of tools/IGOSpp.ResNetHead (output "logits"),
// and explains samples/images/4-coat.png with it, as you would with your own classifier.onnx.
//
//   OMP_WAIT_POLICY=PASSIVE dotnet run -c Release --project samples/IGOSpp.OnnxExplain -- [options]
//     --onnx FILE        the ONNX classifier (image → class scores); default: the written resnet18-fmnist.onnx
//     --output NAME      graph value holding the class scores (default: the graph's only output; "logits" by default)
//     --input-name NAME  graph input that receives the image (default: the graph's only non-initializer input)
//     --image PNG        image to explain (default samples/images/4-coat.png)
//     --class N          class to explain (default: the predicted class)
//     --mask N           iGOS++ mask side, default 28
//     --iterations N     iGOS++ iterations, default 15 (about 3.5 minutes at 224x224 on 2 cores; 2 for a quick look)
//     --out DIR          output directory, default out/onnx
//     --threads N        torch threads, default: number of processors
//   Preprocessing for your own model (pixels in [0,1] → (x·scale − mean) / std per channel, in the model's order):
//     --input CxHxW      input shape, C = 1 or 3; default: the graph's declared input shape
//     --scale S          255 for models trained on 0–255 pixels, default 1
//     --mean a[,b,c]     default 0        --std a[,b,c]   default 1        --bgr   BGR channel order (default RGB)
//   The default model uses 3x224x224, --scale 255 --mean 103.06,115.90,123.15 --std 1 --bgr, and reads the image as a
//   grey 28x28 picture upsampled to 224x224 (how its head was trained).
Settings settings;
try
{
    settings = Settings.Parse(args);
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}

if (settings.Help)
{
    Console.WriteLine(Settings.Usage);
    return 0;
}

try
{
    return Run(settings);
}
catch (Exception ex) when (ex is UsageException or FileNotFoundException or InvalidDataException or NotSupportedException
                               or ImageLoadException or ArgumentException)
{
    // User errors (a wrong file, a model the importer does not support, an input that does not fit the graph):
    // the message says what is wrong; a stack trace would not help.
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}

static int Run(Settings settings)
{
    if (Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
        Console.Error.WriteLine("warning: OMP_WAIT_POLICY is not set; set OMP_WAIT_POLICY=PASSIVE on a shared machine.");
    // Explanations and metric evaluations set libtorch's thread count themselves (IgosThreading): bound them too.
    torch.set_num_threads(settings.Threads);
    IgosThreading.MaxIntraOpThreads = settings.Threads;
    var total = Stopwatch.StartNew();
    Directory.CreateDirectory(settings.OutputDirectory);

    // 1. The ONNX classifier: the user's file, or the default one written here.
    var defaultModel = settings.OnnxPath is null;
    var onnxPath = settings.OnnxPath ?? WriteDefaultModel(settings.OutputDirectory);
    var outputName = settings.OutputName ?? (defaultModel ? FashionClassifierOnnx.LogitsOutput : null);

    var clock = Stopwatch.StartNew();
    using var model = Import(onnxPath, new OnnxImportOptions { InputName = settings.InputName, OutputName = outputName });
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Imported {Path.GetFileName(onnxPath)}: input '{model.InputName}' [{string.Join(",", model.InputShape.Select(d => d?.ToString(CultureInfo.InvariantCulture) ?? "?"))}], " +
        $"output '{model.OutputName}', opset {model.OpsetVersion}, {model.NodeCount} nodes, {clock.Elapsed.TotalSeconds:F1} s"));

    // 2. The image as the model expects it.
    var preprocessing = PreprocessingFor(settings, model, defaultModel);
    Console.WriteLine($"Preprocessing: {preprocessing.Describe()}");
    var imagePath = settings.ImagePath ?? FindRepositoryFile(Path.Combine("samples", "images", "4-coat.png"));
    using var scope = torch.NewDisposeScope(); // owns the image tensors below
    var (input, display) = preprocessing.Load(imagePath);

    // 3. Predict, and compare with ONNX Runtime on the same tensor.
    float[] logits;
    using (torch.inference_mode())
    using (var scores = model.call(input.unsqueeze(0)))
    {
        if (scores.dim() != 2 || scores.shape[0] != 1 || scores.shape[1] < 2)
            throw new UsageException($"Output '{model.OutputName}' has shape [{string.Join(",", scores.shape)}]; expected class scores [1,K] with K ≥ 2. " +
                                     "Choose the graph value holding them with --output.");
        logits = scores.contiguous().data<float>().ToArray();
    }

    var probabilities = Softmax(logits);
    var predicted = Array.IndexOf(probabilities, probabilities.Max());
    var classId = settings.ClassId ?? predicted;
    if (classId >= logits.Length)
        throw new UsageException($"--class {classId} is out of range: the model has {logits.Length} classes (0..{logits.Length - 1}).");
    CompareWithOnnxRuntime(onnxPath, model, input, logits, settings.Threads);

    var names = defaultModel && logits.Length == FashionClassifierOnnx.ClassCount ? FashionClassifierOnnx.ClassNames : null;
    string Name(long c) => names?[c] ?? $"class {c}";
    string Label(long c) => names is null ? $"class {c}" : $"{names[c]} (class {c})";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Predicted: {Label(predicted)}, probability {probabilities[predicted]:F4}"));
    if (classId != predicted)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Explaining: {Label(classId)}, probability {probabilities[classId]:F4}"));

    // 4. Explain with iGOS++ (gradients flow through the imported graph to the image).
    var options = new IgosPlusPlusOptions { MaskSize = settings.MaskSize, Iterations = settings.Iterations, Seed = 1 };
    Console.WriteLine($"iGOS++: mask {options.MaskSize}x{options.MaskSize}, iterations {options.Iterations}, integration steps {options.IntegrationSteps}. " +
                      "With the defaults one 224x224 ResNet-18 explanation takes a minute or more: 78 s on average, 24-140 s, on 2 AMD EPYC cores shared by two runs (measured, docs/performance.md), several minutes on a busy machine; " +
                      "--iterations 2 gives a quick, rougher look.");
    using var explainer = new IgosPlusPlusExplainer(model, options);
    clock.Restart();
    using var map = explainer.Explain(input, classId, new ConsoleProgress());
    var explainSeconds = clock.Elapsed.TotalSeconds;

    clock.Restart();
    var result = new InsertionDeletionMetric(model).Evaluate(input, map);
    var metricSeconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Deletion AUC {result.DeletionAuc:F4} (lower is better), insertion AUC {result.InsertionAuc:F4} (higher is better)"));

    // 5. Pictures.
    var name = Path.GetFileNameWithoutExtension(imagePath);
    var (width, height) = ((int)display.shape[2], (int)display.shape[1]);
    using var picture = ImageIO.ToBitmap(display);
    using var saliency = SaliencyRenderer.Heatmap(map.Saliency, width, height);
    using var overlay = SaliencyRenderer.Overlay(picture, saliency, 0.5f);
    using var deletion = SaliencyRenderer.Heatmap(1 - map.DeletionMask!, width, height, scaling: HeatmapScaling.Clamp);
    using var insertion = SaliencyRenderer.Heatmap(1 - map.InsertionMask!, width, height, scaling: HeatmapScaling.Clamp);
    using var panel = SaliencyRenderer.Panel(
    [
        (string.Create(CultureInfo.InvariantCulture, $"{Name(classId)} {probabilities[classId]:P0}"), picture),
        ("iGOS++ saliency", saliency),
        ("overlay", overlay),
        ("deletion 1-Mx", deletion),
        ("insertion 1-My", insertion),
    ]);
    var panelPath = Path.Combine(settings.OutputDirectory, $"{name}-panel.png");
    ImageIO.SavePng(panel, panelPath);
    using var chart = SaliencyRenderer.CurveChart(result,
        new CurveChartOptions { Title = $"{name}: iGOS++ {options.MaskSize}x{options.MaskSize}, {Path.GetFileName(onnxPath)}" });
    var chartPath = Path.Combine(settings.OutputDirectory, $"{name}-curves.png");
    ImageIO.SavePng(chart, chartPath);

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Wrote {panelPath} and {chartPath}. Explanation {explainSeconds:F1} s, metric {metricSeconds:F1} s, total {total.Elapsed.TotalSeconds:F1} s (torch threads: {settings.Threads})."));
    return 0;
}

// OnnxModel.Load, with the sample's options named in the message when the graph's inputs or outputs are ambiguous.
static IGOSpp.Onnx.OnnxModule Import(string path, OnnxImportOptions options)
{
    try
    {
        return OnnxModel.Load(path, options);
    }
    catch (NotSupportedException ex) when (ex.Message.Contains(nameof(OnnxImportOptions), StringComparison.Ordinal))
    {
        throw new UsageException($"{ex.Message} (In this sample: --output NAME selects the output, --input-name NAME the input.)");
    }
}

// Writes out/onnx/resnet18-fmnist.onnx from ResNet18.onnx (copied next to the program) and the committed head,
// unless the file is already newer than both.
static string WriteDefaultModel(string outputDirectory)
{
    var backbone = Path.Combine(AppContext.BaseDirectory, "Models", "ResNet18.onnx");
    if (!File.Exists(backbone))
        throw new FileNotFoundException($"ResNet18.onnx not found at {backbone}; build the project (it is copied from the Microsoft.ML.DnnImageFeaturizer.ResNet18 package).", backbone);
    var head = FindRepositoryFile(Path.Combine("samples", "models", "resnet18-fmnist-head.bin"));
    var path = Path.Combine(outputDirectory, "resnet18-fmnist.onnx");
    if (File.Exists(path)
        && File.GetLastWriteTimeUtc(path) >= File.GetLastWriteTimeUtc(backbone)
        && File.GetLastWriteTimeUtc(path) >= File.GetLastWriteTimeUtc(head))
    {
        Console.WriteLine($"Using {path}: newer than ResNet18.onnx and {Path.GetFileName(head)}, not rewritten.");
        return path;
    }

    var clock = Stopwatch.StartNew();
    var irVersion = FashionClassifierOnnx.Write(backbone, head, path);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Wrote {path} ({new FileInfo(path).Length / 1e6:F1} MB, {clock.Elapsed.TotalSeconds:F1} s): ResNet18.onnx (IR version {irVersion}) + Flatten + Gemm " +
        $"({FashionClassifierOnnx.FeatureCount}→{FashionClassifierOnnx.ClassCount}, head {Path.GetFileName(head)}), output '{FashionClassifierOnnx.LogitsOutput}'"));
    return path;
}

static Preprocessing PreprocessingFor(Settings settings, IGOSpp.Onnx.OnnxModule model, bool defaultModel)
{
    var declared = model.InputShape;
    InputShape shape;
    if (settings.Input is { } given)
    {
        if (declared.Count is not (0 or 4))
            throw new UsageException($"The graph input '{model.InputName}' has rank {declared.Count}; an image input [N,C,H,W] has rank 4.");
        if (declared.Count == 4)
        {
            long[] wanted = [given.Channels, given.Height, given.Width];
            for (var d = 1; d < 4; d++)
            {
                if (declared[d] is { } size && size != wanted[d - 1])
                    throw new UsageException($"--input {given} does not fit the graph input '{model.InputName}', declared [{string.Join(",", declared.Select(v => v?.ToString(CultureInfo.InvariantCulture) ?? "?"))}].");
            }
        }

        shape = given;
    }
    else
    {
        if (declared.Count != 4 || declared.Skip(1).Any(d => d is null))
            throw new UsageException($"The graph input '{model.InputName}' declares shape [{string.Join(",", declared.Select(v => v?.ToString(CultureInfo.InvariantCulture) ?? "?"))}]; " +
                                     "give the image size with --input CxHxW (e.g. 3x224x224).");
        if (declared[1] is not (1 or 3))
            throw new UsageException($"The graph input '{model.InputName}' has {declared[1]} channels; only 1 (grey) or 3 (color) channel images are supported.");
        shape = new InputShape((int)declared[1]!.Value, (int)declared[2]!.Value, (int)declared[3]!.Value);
    }

    var preset = defaultModel ? Preprocessing.FashionResNet(shape) : null;
    var mean = settings.Mean ?? preset?.Normalization.Mean.ToArray() ?? [0f];
    var std = settings.Std ?? preset?.Normalization.Std.ToArray() ?? [1f];
    if ((mean.Length == 3 || std.Length == 3) && shape.Channels != 3)
        throw new UsageException($"--mean/--std give 3 values but the input has {shape.Channels} channel(s).");
    var count = Math.Max(mean.Length, std.Length);
    var normalization = new ImageNormalization(Repeat(mean, count), Repeat(std, count));
    return new Preprocessing(shape, settings.Scale ?? preset?.Scale ?? 1f, normalization, settings.Bgr ?? preset?.Bgr ?? false,
        Grey28: defaultModel);

    static float[] Repeat(float[] values, int count) => values.Length == count ? values : Enumerable.Repeat(values[0], count).ToArray();
}

static void CompareWithOnnxRuntime(string onnxPath, IGOSpp.Onnx.OnnxModule model, Tensor input, float[] logits, int threads)
{
    try
    {
        var clock = Stopwatch.StartNew();
        var reference = OnnxRuntimeCheck.Run(onnxPath, model.InputName, input.contiguous().data<float>().ToArray(),
            [1, .. input.shape], model.OutputName, threads);
        if (reference.Length != logits.Length)
        {
            Console.WriteLine($"ONNX Runtime returned {reference.Length} values for '{model.OutputName}', the imported module {logits.Length}.");
            return;
        }

        var diff = reference.Zip(logits, (a, b) => Math.Abs(a - b)).Max();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ONNX Runtime vs imported module, max |logit diff|: {diff:0.00e+0} ({clock.Elapsed.TotalSeconds:F1} s). " +
            $"ONNX Runtime computes no input gradients; the imported module does, which iGOS++ needs."));
    }
    catch (OnnxRuntimeException ex)
    {
        // Not fatal: the reference check is informative, the explanation does not depend on it.
        Console.WriteLine($"ONNX Runtime could not run the model ({ex.Message}); skipping the reference check.");
    }
}

static float[] Softmax(float[] logits)
{
    var max = logits.Max();
    var e = logits.Select(v => Math.Exp(v - max)).ToArray();
    var sum = e.Sum();
    return e.Select(v => (float)(v / sum)).ToArray();
}

// Looks for a repository file upwards from the program's directory, then from the working directory.
static string FindRepositoryFile(string relativePath)
{
    foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate)) return candidate;
        }
    }

    throw new FileNotFoundException($"{relativePath} not found above {AppContext.BaseDirectory} or the working directory.", relativePath);
}

/// <summary>Prints each iGOS++ iteration as it finishes (synchronously, so lines stay in order), with an estimate of
/// the remaining time after the first one.</summary>
internal sealed class ConsoleProgress : IProgress<ExplanationProgress>
{
    public void Report(ExplanationProgress value)
    {
        var remaining = value.Iteration < value.TotalIterations
            ? string.Create(CultureInfo.InvariantCulture, $", about {value.Elapsed.TotalSeconds / value.Iteration * (value.TotalIterations - value.Iteration):F0} s to go")
            : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  iteration {value.Iteration}/{value.TotalIterations}: loss {value.Loss:F4}, {value.Elapsed.TotalSeconds:F1} s{remaining}"));
    }
}
