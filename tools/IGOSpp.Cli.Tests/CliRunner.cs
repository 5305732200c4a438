namespace IGOSpp.Cli.Tests;

/// <summary>The result of one in-process run of the tool.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs <c>igospp</c> in process on the bundled fixtures, in a fresh temporary folder per test.</summary>
internal static class CliRunner
{
    public static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static string TinyOnnx => Path.Combine(Fixtures, "tiny-cnn-3x16x16.onnx");

    public static string TinyTorchScript => Path.Combine(Fixtures, "tiny_net.torchscript.pt");

    /// <summary>A state dict (torch.save) of TorchVision's resnet18 at base width 4 with 10 classes
    /// (tools/model-fixtures/make_architecture_fixtures.py); load it with <see cref="NarrowArchitectures"/>.</summary>
    public static string NarrowResNet18 => Path.Combine(Fixtures, "resnet18_w4.pt");

    /// <summary>The weights of the tiny TorchVision-shaped network (not a known architecture): pickled and safetensors.</summary>
    public static string TinyStateDict => Path.Combine(Fixtures, "tiny_net.pt");

    public static string TinySafetensors => Path.Combine(Fixtures, "tiny_net.safetensors");

    /// <summary>Makes --arch build its networks at base width 4 (the narrow fixtures) in the calling test only.</summary>
    public static void NarrowArchitectures() => IGOSpp.Cli.Explain.LoadedModel.ArchitectureWidth.Value = 4;

    public static string SampleImage(string name) => Path.Combine(Fixtures, "images", name);

    /// <summary>The fast settings for the 3×16×16 ONNX model: no preset, an 8×8 mask, 2 iterations, one thread.</summary>
    public static readonly string[] FastTiny = ["--preset", "none", "--size", "16", "--mask-size", "8", "--iterations", "2", "--threads", "1"];

    public static CliResult Run(params string[] args) => Run(args, null, CancellationToken.None);

    /// <summary>Runs the tool; <paramref name="onStdoutLine"/> sees every line written to stdout as it is written.</summary>
    public static CliResult Run(string[] args, Action<string>? onStdoutLine, CancellationToken cancellationToken)
    {
        using var stdout = new LineWatchingWriter(onStdoutLine);
        using var stderr = new StringWriter();
        var code = CliApp.RunAsync(args, stdout, stderr, cancellationToken).GetAwaiter().GetResult();
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A fresh folder under the test's work directory holding copies of the named sample images.</summary>
    public static string ImageFolder(string name, params string[] images)
    {
        var folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "cli-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (var image in images) File.Copy(SampleImage(image), Path.Combine(folder, image));
        return folder;
    }

    private sealed class LineWatchingWriter(Action<string>? onLine) : StringWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public override void Write(char value)
        {
            base.Write(value);
            if (value == '\n')
            {
                onLine?.Invoke(_line.ToString());
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "") Write(c);
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            Write('\n');
        }
    }
}
