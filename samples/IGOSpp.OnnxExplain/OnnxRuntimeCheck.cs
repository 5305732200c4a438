using Microsoft.ML.OnnxRuntime;

namespace IGOSpp.Samples.OnnxExplain;

/// <summary>Runs an ONNX file with ONNX Runtime, the reference the imported module is compared with.</summary>
internal static class OnnxRuntimeCheck
{
    /// <summary>Runs <paramref name="modelPath"/> on one input and returns the named output, flattened.</summary>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="inputName">Graph input receiving <paramref name="input"/>.</param>
    /// <param name="input">Values of the input tensor (row-major).</param>
    /// <param name="shape">Its shape, e.g. [1,3,224,224].</param>
    /// <param name="outputName">The output to fetch.</param>
    /// <param name="threads">Intra-op threads.</param>
    public static float[] Run(string modelPath, string inputName, float[] input, long[] shape, string outputName, int threads)
    {
        using var options = new SessionOptions
        {
            // The graph as written (no fusions), like the importer's tests; quiet about IR-3 initializers listed as inputs.
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(modelPath, options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [value], [outputName]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
