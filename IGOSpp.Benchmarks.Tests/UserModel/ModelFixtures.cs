using IGOSpp.Tests.Onnx;
using NUnit.Framework;
using static IGOSpp.Tests.Onnx.OnnxModelWriter;

namespace IGOSpp.Benchmarks.Tests.UserModel;

/// <summary>
/// Generator of the tiny ONNX models of the <c>model</c> command's tests and of the committed CI fixture
/// <c>IGOSpp.Benchmarks/Fixtures/tiny-cnn-3x16x16.onnx</c> (regenerate it with
/// <c>IGOSPP_WRITE_FIXTURES=1 dotnet test IGOSpp.Benchmarks.Tests --filter TinyCnn_Generator</c>).
/// Weights are deterministic (a fixed arithmetic sequence), so the file is byte-for-byte reproducible.
/// </summary>
public static class ModelFixtures
{
    /// <summary>File name of the committed fixture.</summary>
    public const string TinyCnnFile = "tiny-cnn-3x16x16.onnx";

    /// <summary>
    /// Conv 3→4 (3×3, pad 1) → Relu → GlobalAveragePool → Flatten → Gemm 4→5: input [N, 3, H, W] (any H, W),
    /// output [N, 5] class scores. Opset 13.
    /// </summary>
    public static byte[] TinyCnn() => new OnnxModelWriter(13).Input("image", null, 3, null, null).Output("scores")
        .Initializer("conv_w", Weights(4 * 3 * 3 * 3, 0.05f), 4, 3, 3, 3)
        .Initializer("conv_b", Weights(4, 0.1f), 4)
        .Initializer("fc_w", Weights(5 * 4, 0.3f), 5, 4)
        .Initializer("fc_b", Weights(5, 0.01f), 5)
        .Node("Conv", ["image", "conv_w", "conv_b"], ["c"], "conv", IntsAttribute("kernel_shape", 3, 3), IntsAttribute("pads", 1, 1, 1, 1))
        .Node("Relu", ["c"], ["r"], "relu")
        .Node("GlobalAveragePool", ["r"], ["p"], "pool")
        .Node("Flatten", ["p"], ["f"], "flatten", IntAttribute("axis", 1))
        .Node("Gemm", ["f", "fc_w", "fc_b"], ["scores"], "fc", IntAttribute("transB", 1))
        .ToBytes();

    /// <summary>The convolution alone: output [N, 4, H, W], not class scores.</summary>
    public static byte[] ConvOnly() => new OnnxModelWriter(13).Input("image", null, 3, null, null).Output("features")
        .Initializer("conv_w", Weights(4 * 3 * 3 * 3, 0.05f), 4, 3, 3, 3)
        .Node("Conv", ["image", "conv_w"], ["features"], "conv", IntsAttribute("kernel_shape", 3, 3), IntsAttribute("pads", 1, 1, 1, 1))
        .ToBytes();

    /// <summary>Conv → Relu → GlobalAveragePool: output [N, 4, 1, 1] (a feature extractor, like ML.NET's ResNet-18).</summary>
    public static byte[] PooledFeatures() => new OnnxModelWriter(13).Input("image", null, 3, null, null).Output("features")
        .Initializer("conv_w", Weights(4 * 3 * 3 * 3, 0.05f), 4, 3, 3, 3)
        .Node("Conv", ["image", "conv_w"], ["c"], "conv", IntsAttribute("kernel_shape", 3, 3), IntsAttribute("pads", 1, 1, 1, 1))
        .Node("Relu", ["c"], ["r"], "relu")
        .Node("GlobalAveragePool", ["r"], ["features"], "pool")
        .ToBytes();

    /// <summary>The path of a committed fixture in the source tree (IGOSpp.Benchmarks/Fixtures), found from the test folder.</summary>
    public static string CommittedPath(string file)
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IGOSpp.sln")))
                return Path.Combine(dir.FullName, "IGOSpp.Benchmarks", "Fixtures", file);
        }

        throw new DirectoryNotFoundException("IGOSpp.sln not found above " + TestContext.CurrentContext.TestDirectory);
    }

    /// <summary>The folder of this test run's temporary files (deleted by <see cref="TempFolderCleanup"/>).</summary>
    public static string TempRoot { get; } = Path.Combine(Path.GetTempPath(), "igospp-bench-tests-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Writes <paramref name="bytes"/> to a new file in a fresh temporary folder and returns its path.</summary>
    public static string WriteTemp(byte[] bytes, string name)
    {
        var folder = Path.Combine(TempRoot, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    // Values scale·((7·i mod 11) − 5)/5: deterministic, mixed signs, no two neighbours equal.
    private static float[] Weights(int count, float scale) =>
        [.. Enumerable.Range(0, count).Select(i => scale * (((7 * i) % 11) - 5) / 5f)];
}
