using System.CommandLine;
using System.Globalization;
using IGOSpp.Cli.Explain;
using IGOSpp.Cli.Output;
using IGOSpp.Targets;

namespace IGOSpp.Cli;

/// <summary>The <c>igospp</c> command line: parses the arguments and runs a command. Used by Program and, in
/// process, by the tests.</summary>
internal static class CliApp
{
    /// <summary>Parses and runs <paramref name="args"/>; returns the exit code (<see cref="ExitCodes"/>).</summary>
    /// <param name="args">The arguments after <c>igospp</c>.</param>
    /// <param name="stdout">Progress and results.</param>
    /// <param name="stderr">Errors and warnings.</param>
    /// <param name="cancellationToken">Cancels the run between or inside explanations (Ctrl+C in Program).</param>
    /// <param name="interactive">Show a progress bar (a terminal); otherwise plain lines.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken,
        bool interactive = false)
    {
        // Not RootCommand: it is named after the executable (IGOSpp.Cli), the command is igospp.
        var root = new Command("igospp", "igospp: explain an image classifier's decisions with iGOS++ and other saliency methods, " +
                                         "and write pictures, scores, .npy maps and an HTML report.")
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
        };
        root.Subcommands.Add(ExplainCommand(stdout, stderr, interactive));
        root.Subcommands.Add(EvaluateCommand(stdout, stderr, interactive));
        root.Subcommands.Add(BenchCommand(stderr));
        root.Subcommands.Add(MergeCommand(stdout, stderr));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) await stderr.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            await stderr.WriteLineAsync("Run 'igospp --help' or 'igospp explain --help' for the usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // Program handles Ctrl+C itself (the token), so that an explanation can finish its cleanup.
            ProcessTerminationTimeout = null,
            EnableDefaultExceptionHandler = false,
        };
        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    private static Command ExplainCommand(TextWriter stdout, TextWriter stderr, bool interactive)
    {
        var model = new Argument<string>("MODEL") { Description = "The model: an ONNX file, a TorchScript archive (torch.jit.save), or a state dict (.pt/.pth/.safetensors) with --arch. It maps images [N,C,H,W] to class scores [N,K]." };
        var (arch, archClasses) = ArchitectureOptions();
        var inputs = new Argument<string[]>("INPUT") { Description = "Image files, or folders searched recursively for PNG, JPEG, WebP and BMP files.", Arity = ArgumentArity.OneOrMore };
        var method = new Option<string>("--method", "-m") { Description = "The saliency method.", DefaultValueFactory = _ => "igospp" };
        method.AcceptOnlyFromAmong([.. Methods.Keys]);
        var classId = new Option<long?>("--class") { Description = "Explain class K (0-based) in every image.", HelpName = "K" };
        var top = new Option<bool>("--top") { Description = "Explain each image's top class (the default)." };
        var score = new Option<string>("--target") { Description = "The class score explained and reported: probability (softmax, the default), logit, or sigmoid (multi-label models).", DefaultValueFactory = _ => "probability", HelpName = "KIND" };
        score.AcceptOnlyFromAmong("probability", "logit", "sigmoid");
        var region = new Option<string?>("--region") { Description = "Segmentation models (per-pixel scores [N,K,H,W]): explain the mean score of --class K over this rectangle, x,y,w,h in pixels of the model input.", HelpName = "x,y,w,h" };
        var box = new Option<string?>("--box") { Description = "Detectors (raw output before NMS, with --layout): explain the detection of --class K that best matches this box, x1,y1,x2,y2 in pixels of the model input.", HelpName = "x1,y1,x2,y2" };
        var layout = new Option<string?>("--layout") { Description = "With --box: the detector's raw output, yolov5 ([N,boxes,4+1+K]: cx,cy,w,h, objectness, class probabilities) or yolov8 ([N,4+K,boxes]).", HelpName = "L" };
        layout.AcceptOnlyFromAmong("yolov5", "yolov8");
        var preset = new Option<string>("--preset") { Description = "Preprocessing: imagenet (shorter side 256, centre crop 224, RGB, ImageNet mean/std) or none (resize to --size or the model's declared size, mean 0, std 1).", DefaultValueFactory = _ => "imagenet" };
        preset.AcceptOnlyFromAmong("imagenet", "none");
        var size = new Option<string?>("--size") { Description = "Model input size N or HxW (imagenet: the crop; the shorter side is resized to 256/224 of it).", HelpName = "HxW" };
        var channels = new Option<int?>("--channels") { Description = "Input channels, 1 (grey) or 3 (RGB); default: the ONNX graph's, else 3.", HelpName = "C" };
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean on pixels in [0,1], one value or one per channel (a,b,c).", HelpName = "a,b,c" };
        var std = new Option<string?>("--std") { Description = "Per-channel std on pixels in [0,1], one value or one per channel.", HelpName = "a,b,c" };
        var labels = new Option<string?>("--labels") { Description = "Text file of class names, one per line (line k names class k).", HelpName = "FILE" };
        var maskSize = new Option<int?>("--mask-size") { Description = "Mask side of igospp, igos, igosplus (default 28) and mask (default 28).", HelpName = "N" };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations of igospp, igos, igosplus (default 15) and mask (default 300).", HelpName = "N" };
        var layer = new Option<string?>("--layer") { Description = "Grad-CAM's target layer (a module name); default: the last Conv2d.", HelpName = "NAME" };
        var outputName = new Option<string?>("--output") { Description = "The ONNX graph value holding the class scores (default: the graph's only output).", HelpName = "NAME" };
        var seed = new Option<int>("--seed") { Description = "Seed of the methods that draw random numbers.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out", "-o") { Description = "Output folder (created; a re-run with the same settings resumes in it).", DefaultValueFactory = _ => "igospp-out", HelpName = "DIR" };
        var shard = new Option<string?>("--shard") { Description = "Explain shard i of n (0-based): every n-th image from position i of the sorted inputs.", HelpName = "i/n" };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: the number of processors).", HelpName = "N" };

        var command = new Command("explain", "Explain every image with one method; write per image a panel, the insertion/deletion curves and the maps (.npy), " +
                                             "and results.csv, results.json and index.html.")
        {
            model, arch, archClasses, inputs, method, classId, top, score, region, box, layout, preset, size, channels, mean, std, labels, maskSize, iterations, layer, outputName, seed, output, shard, threads,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            return Task.FromResult(Guard(stderr, () =>
            {
                if (parse.GetValue(top) && parse.GetValue(classId) is not null)
                    throw new CliException(ExitCodes.Usage, "--class and --top exclude each other.");
                var regionValue = parse.GetValue(region) is { } rt ? ParseRegion(rt) : ((int, int, int, int)?)null;
                var boxValue = parse.GetValue(box) is { } bt ? ParseBox(bt) : ((float, float, float, float)?)null;
                var layoutValue = parse.GetValue(layout);
                if (regionValue is not null && boxValue is not null)
                    throw new CliException(ExitCodes.Usage, "--region and --box exclude each other.");
                if ((regionValue is not null || boxValue is not null) && parse.GetValue(classId) is null)
                    throw new CliException(ExitCodes.Usage, $"{(boxValue is null ? "--region" : "--box")} needs --class K (the class explained in the region or box).");
                if (boxValue is not null && layoutValue is null)
                    throw new CliException(ExitCodes.Usage, "--box needs --layout yolov5 or yolov8 (the detector's raw output).");
                if (boxValue is null && layoutValue is not null)
                    throw new CliException(ExitCodes.Usage, "--layout applies to --box only.");
                if (boxValue is not null && parse.GetValue(score) != "probability")
                    throw new CliException(ExitCodes.Usage, "--target does not apply to --box: a detection's score is IoU × objectness × class probability.");
                var settings = new ExplainSettings
                {
                    ModelPath = parse.GetValue(model)!,
                    Architecture = parse.GetValue(arch),
                    ArchitectureClasses = AtLeast("--classes", parse.GetValue(archClasses), 2),
                    Inputs = parse.GetValue(inputs)!,
                    Method = parse.GetValue(method)!,
                    ClassId = NonNegative("--class", parse.GetValue(classId)),
                    Score = parse.GetValue(score) switch { "logit" => ClassScoreKind.Logit, "sigmoid" => ClassScoreKind.Sigmoid, _ => ClassScoreKind.Probability },
                    Region = regionValue,
                    Box = boxValue,
                    Layout = layoutValue switch { "yolov5" => DetectionLayout.BoxesFirstWithObjectness, "yolov8" => DetectionLayout.ChannelsFirstNoObjectness, _ => null },
                    Preset = parse.GetValue(preset)!,
                    Size = parse.GetValue(size) is { } s ? ParseSize(s) : null,
                    Channels = parse.GetValue(channels) is { } c ? c is 1 or 3 ? c : throw new CliException(ExitCodes.Usage, $"--channels must be 1 or 3, not {c}.") : null,
                    Mean = parse.GetValue(mean) is { } m ? ParseFloats("--mean", m, positive: false) : null,
                    Std = parse.GetValue(std) is { } d ? ParseFloats("--std", d, positive: true) : null,
                    LabelsPath = parse.GetValue(labels),
                    MaskSize = AtLeast("--mask-size", parse.GetValue(maskSize), 2),
                    Iterations = AtLeast("--iterations", parse.GetValue(iterations), 1),
                    Layer = parse.GetValue(layer),
                    OutputName = parse.GetValue(outputName),
                    Seed = parse.GetValue(seed),
                    OutputDirectory = parse.GetValue(output)!,
                    Shard = parse.GetValue(shard) is { } sh ? ParseShard(sh) : null,
                    Threads = AtLeast("--threads", parse.GetValue(threads), 1),
                };
                return new ExplainRunner(settings, stdout, stderr, interactive).Run(cancellationToken);
            }));
        });
        return command;
    }

    private static Command EvaluateCommand(TextWriter stdout, TextWriter stderr, bool interactive)
    {
        var model = new Argument<string>("MODEL") { Description = "The model: an ONNX file, a TorchScript archive, or a state dict with --arch." };
        var (arch, archClasses) = ArchitectureOptions();
        var inputs = new Argument<string[]>("INPUT") { Description = "Image files or folders (or --fashion-mnist).", Arity = ArgumentArity.ZeroOrMore };
        var fashion = new Option<string?>("--fashion-mnist") { Description = "Evaluate on the Fashion-MNIST test set in DIR (the IDX files; Debian's dataset-fashion-mnist: /usr/share/datasets/fashion-mnist): the first --count correctly classified images, class = the label, as docs/results.md.", HelpName = "DIR" };
        var count = new Option<int>("--count") { Description = "With --fashion-mnist: how many correctly classified test images.", DefaultValueFactory = _ => 100 };
        var methods = new Option<string?>("--methods") { Description = $"Comma-separated keys of the evaluation's catalog (docs/results.md), e.g. igospp28,igos7,ig,rise,gradcam. Default: {string.Join(",", IGOSpp.Cli.Evaluate.EvaluateSettings.DefaultMethods)}.", HelpName = "KEYS" };
        var classId = new Option<long?>("--class") { Description = "Explain class K in every image (default: each image's top class).", HelpName = "K" };
        var preset = new Option<string>("--preset") { Description = "Preprocessing: imagenet or none (as for explain).", DefaultValueFactory = _ => "imagenet" };
        preset.AcceptOnlyFromAmong("imagenet", "none");
        var size = new Option<string?>("--size") { Description = "Model input size N or HxW.", HelpName = "HxW" };
        var channels = new Option<int?>("--channels") { Description = "Input channels, 1 or 3.", HelpName = "C" };
        var mean = new Option<string?>("--mean") { Description = "Per-channel mean on pixels in [0,1].", HelpName = "a,b,c" };
        var std = new Option<string?>("--std") { Description = "Per-channel std on pixels in [0,1].", HelpName = "a,b,c" };
        var layer = new Option<string?>("--layer") { Description = "Grad-CAM's layer (a graph value name for ONNX).", HelpName = "NAME" };
        var outputName = new Option<string?>("--output") { Description = "The ONNX graph value holding the class scores.", HelpName = "NAME" };
        var noise = new Option<double>("--noise-std") { Description = "NoiseStd of the I-GOS family in the model input's units (the paper's 0.2 is for ImageNet-normalized input).", DefaultValueFactory = _ => 0.2 };
        var output = new Option<string>("--out", "-o") { Description = "Output folder: results.md (the table) and evaluation.jsonl (per image; a re-run reuses it).", DefaultValueFactory = _ => "igospp-evaluation", HelpName = "DIR" };
        var threads = new Option<int?>("--threads") { Description = "Torch threads.", HelpName = "N" };
        var shard = new Option<string?>("--shard") { Description = "Evaluate shard i of n (0-based) of the sorted images; 'igospp merge' joins the shards' tables.", HelpName = "i/n" };
        var command = new Command("evaluate", "The Table-1 protocol of docs/results.md on your model and images: several methods, mean deletion and insertion AUC ± standard error, seconds and model images per image; resumable.")
        {
            model, arch, archClasses, inputs, fashion, count, methods, classId, preset, size, channels, mean, std, layer, outputName, noise, output, threads, shard,
        };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Guard(stderr, () =>
        {
            var common = new ExplainSettings
            {
                ModelPath = parse.GetValue(model)!,
                Architecture = parse.GetValue(arch),
                ArchitectureClasses = AtLeast("--classes", parse.GetValue(archClasses), 2),
                Inputs = parse.GetValue(inputs)!,
                ClassId = NonNegative("--class", parse.GetValue(classId)),
                Preset = parse.GetValue(preset)!,
                Size = parse.GetValue(size) is { } s ? ParseSize(s) : null,
                Channels = parse.GetValue(channels) is { } c ? c is 1 or 3 ? c : throw new CliException(ExitCodes.Usage, $"--channels must be 1 or 3, not {c}.") : null,
                Mean = parse.GetValue(mean) is { } m ? ParseFloats("--mean", m, positive: false) : null,
                Std = parse.GetValue(std) is { } d ? ParseFloats("--std", d, positive: true) : null,
                Layer = parse.GetValue(layer),
                OutputName = parse.GetValue(outputName),
                OutputDirectory = parse.GetValue(output)!,
                Threads = AtLeast("--threads", parse.GetValue(threads), 1),
                Shard = parse.GetValue(shard) is { } sh ? ParseShard(sh) : null,
            };
            var dataset = parse.GetValue(fashion);
            if ((dataset is null) == (common.Inputs.Count == 0))
                throw new CliException(ExitCodes.Usage, "Give image files or folders, or --fashion-mnist DIR (one of the two).");
            if (dataset is not null && common.ClassId is not null)
                throw new CliException(ExitCodes.Usage, "--class does not apply to --fashion-mnist (the class is the label).");
            var noiseStd = parse.GetValue(noise);
            if (!double.IsFinite(noiseStd) || noiseStd < 0) throw new CliException(ExitCodes.Usage, $"--noise-std must be 0 or more, not {noiseStd}.");
            var settings = new IGOSpp.Cli.Evaluate.EvaluateSettings
            {
                Common = common,
                Methods = parse.GetValue(methods) is { } keys
                    ? keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    : IGOSpp.Cli.Evaluate.EvaluateSettings.DefaultMethods,
                NoiseStd = noiseStd,
                FashionMnist = dataset,
                Count = AtLeast("--count", parse.GetValue(count), 1)!.Value,
            };
            return new IGOSpp.Cli.Evaluate.EvaluateRunner(settings, stdout, stderr, interactive).Run(cancellationToken);
        })));
        return command;
    }

    private static Command BenchCommand(TextWriter stderr)
    {
        var model = new Argument<string>("MODEL") { Description = "The model: an ONNX file, a TorchScript archive, or a state dict with --arch." };
        var (arch, archClasses) = ArchitectureOptions();
        var input = new Option<string>("--input") { Description = "The shape of one image, CxHxW (e.g. 3x224x224).", Required = true, HelpName = "CxHxW" };
        var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        var mask = new Option<int?>("--mask") { Description = "Mask side (default 28).", HelpName = "N" };
        var steps = new Option<int?>("--steps") { Description = "Integration steps S (default 20).", HelpName = "N" };
        var iterations = new Option<int?>("--iterations") { Description = "Iterations of a full explanation (default 15).", HelpName = "N" };
        var batch = new Option<int?>("--batch") { Description = "Images per model pass (default: the library's 64).", HelpName = "N" };
        var preset = new Option<string>("--job") { Description = "BenchmarkDotNet job: standard, short, once or dry.", DefaultValueFactory = _ => "standard" };
        preset.AcceptOnlyFromAmong("standard", "short", "once", "dry");
        var compare = new Option<bool>("--compare") { Description = "Also benchmark the built-in ResNet-18-shaped model at 3x224x224." };
        var output = new Option<string?>("--out", "-o") { Description = "Folder of BenchmarkDotNet's reports (default BenchmarkDotNet.Artifacts/model).", HelpName = "DIR" };
        var command = new Command("bench", "Benchmark your own model: seconds, model passes and native memory of one iGOS++ explanation, and a recommended batch size " +
                                           "(the 'model' runner of IGOSpp.Benchmarks, docs/benchmarks.md).")
        {
            model, arch, archClasses, input, device, mask, steps, iterations, batch, preset, compare, output,
        };
        command.SetAction((parse, _) => Task.FromResult(Guard(stderr, () =>
        {
            var path = parse.GetValue(model)!;
            if (!File.Exists(path)) throw new CliException(ExitCodes.Model, $"Model file '{path}' does not exist.");
            var architecture = parse.GetValue(arch);
            var classes = AtLeast("--classes", parse.GetValue(archClasses), 2);
            var kind = Explain.LoadedModel.Kind(path);
            var stateDict = kind is IGOSpp.Models.ModelFileKind.PickledStateDict or IGOSpp.Models.ModelFileKind.Safetensors;
            if (stateDict || architecture is not null || classes is not null)
            {
                // The tool's own loader checks the file and the architecture first, so that a state dict that does not
                // fit exits with 3 and names the keys, as for explain (the runner reports every problem with one code).
                using var checkedModel = Explain.LoadedModel.Load(path, architecture: architecture, classes: classes);
            }

            var args = new List<string> { stateDict ? "--state-dict" : kind == IGOSpp.Models.ModelFileKind.TorchScript ? "--torchscript" : "--onnx", path, "--input", parse.GetValue(input)!, "--device", parse.GetValue(device)! };
            if (architecture is not null) args.AddRange(["--arch", architecture]);
            if (classes is { } k) args.AddRange(["--classes", k.ToString(CultureInfo.InvariantCulture)]);
            void Add(string name, int? value)
            {
                if (value is { } v) args.AddRange([name, v.ToString(CultureInfo.InvariantCulture)]);
            }

            Add("--mask", parse.GetValue(mask));
            Add("--steps", parse.GetValue(steps));
            Add("--iterations", parse.GetValue(iterations));
            Add("--batch", parse.GetValue(batch));
            if (parse.GetValue(preset) is { } job and not "standard") args.Add("--" + job);
            if (parse.GetValue(compare)) args.Add("--compare");
            if (parse.GetValue(output) is { } dir) args.AddRange(["--out", dir]);
            // The runner reports a wrong option, shape or model with its exit code 2, a failed benchmark with 1.
            var code = IGOSpp.Benchmarks.UserModel.ModelCommand.Run([.. args]);
            return code == 2 ? ExitCodes.Mismatch : code;
        })));
        return command;
    }

    private static Command MergeCommand(TextWriter stdout, TextWriter stderr)
    {
        var output = new Argument<string>("OUT") { Description = "The merged output folder (created)." };
        var shards = new Argument<string[]>("SHARD") { Description = "Output folders of 'igospp explain --shard i/n' runs with the same settings.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("merge", "Merge the output folders of --shard runs into one folder: explain folders into one results.csv, results.json and index.html; evaluate folders into one results.md table.")
        {
            output, shards,
        };
        command.SetAction((parse, _) => Task.FromResult(Guard(stderr, () =>
            MergeRunner.Run(parse.GetValue(output)!, parse.GetValue(shards)!, stdout, stderr))));
        return command;
    }

    /// <summary>--arch and --classes: the architecture of a state dict model file and its number of classes.</summary>
    private static (Option<string?> Architecture, Option<int?> Classes) ArchitectureOptions() =>
    (
        new Option<string?>("--arch")
        {
            Description = $"For a state dict MODEL (torch.save(model.state_dict()) .pt/.pth, or .safetensors): its TorchVision architecture, one of {string.Join(", ", IGOSpp.Models.KnownArchitectures.Names)}.",
            HelpName = "NAME",
        },
        new Option<int?>("--classes") { Description = "With --arch: the number of classes K (default: read from the classifier's weight in the file).", HelpName = "K" }
    );

    /// <summary>Runs a command body: a <see cref="CliException"/> becomes its message and exit code, anything else
    /// a message with the stack trace and exit code 1.</summary>
    private static int Guard(TextWriter stderr, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (CliException ex)
        {
            stderr.WriteLine($"error: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("Cancelled.");
            return ExitCodes.Cancelled;
        }
#pragma warning disable CA1031 // The last line of defence of the process: report, then exit with 1.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            stderr.WriteLine($"error: unexpected failure (please report it): {ex}");
            return ExitCodes.InternalError;
        }
    }

    internal static (int Height, int Width) ParseSize(string text)
    {
        var parts = text.Split(['x', 'X'], StringSplitOptions.TrimEntries);
        if (parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 16384))
        {
            var h = int.Parse(parts[0], CultureInfo.InvariantCulture);
            return (h, parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : h);
        }

        throw new CliException(ExitCodes.Usage, $"--size must be N or HxW with positive integers (e.g. 224 or 224x224), not '{text}'.");
    }

    internal static (int X, int Y, int Width, int Height) ParseRegion(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[4];
        if (parts.Length != 4 || !parts.Select((p, i) => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out values[i])).All(ok => ok))
            throw new CliException(ExitCodes.Usage, $"--region must be x,y,w,h: four integers ≥ 0 (pixels of the model input, e.g. 10,20,32,16), not '{text}'.");
        if (values[2] < 1 || values[3] < 1)
            throw new CliException(ExitCodes.Usage, $"--region {text}: the width and height must be at least 1 pixel.");
        return (values[0], values[1], values[2], values[3]);
    }

    internal static (float X1, float Y1, float X2, float Y2) ParseBox(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[4];
        if (parts.Length != 4 || !parts.Select((p, i) => float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && float.IsFinite(values[i])).All(ok => ok))
            throw new CliException(ExitCodes.Usage, $"--box must be x1,y1,x2,y2: four numbers (corners in pixels of the model input, e.g. 31,33,43,45), not '{text}'.");
        if (values[0] < 0 || values[1] < 0)
            throw new CliException(ExitCodes.Usage, $"--box {text}: the corner x1,y1 must not be negative (the box must lie inside the image).");
        if (values[2] <= values[0] || values[3] <= values[1])
            throw new CliException(ExitCodes.Usage, $"--box {text}: x2 must be greater than x1 and y2 greater than y1.");
        return (values[0], values[1], values[2], values[3]);
    }

    internal static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index < count)
            return (index, count);
        throw new CliException(ExitCodes.Usage, $"--shard must be i/n with 0 ≤ i < n (e.g. 0/4 for the first of four shards), not '{text}'.");
    }

    private static float[] ParseFloats(string option, string text, bool positive)
    {
        var values = new List<float>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !float.IsFinite(v))
                throw new CliException(ExitCodes.Usage, $"{option}: '{part}' is not a finite number.");
            if (positive && v <= 0) throw new CliException(ExitCodes.Usage, $"{option}: values must be greater than 0, not {part}.");
            values.Add(v);
        }

        return values.Count is 1 or 3 ? [.. values] : throw new CliException(ExitCodes.Usage, $"{option}: give one value or three (one per channel), not {values.Count}.");
    }

    private static long? NonNegative(string option, long? value) =>
        value is < 0 ? throw new CliException(ExitCodes.Usage, $"{option} must be 0 or more, not {value}.") : value;

    private static int? AtLeast(string option, int? value, int min) =>
        value < min ? throw new CliException(ExitCodes.Usage, $"{option} must be at least {min}, not {value}.") : value;
}
