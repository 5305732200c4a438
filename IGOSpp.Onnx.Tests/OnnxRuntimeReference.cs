using Microsoft.ML.OnnxRuntime;

namespace IGOSpp.Tests.Onnx;

/// <summary>Runs a model with ONNX Runtime (the reference the importer is compared with).</summary>
internal static class OnnxRuntimeReference
{
    public static (float[] Data, long[] Shape) Run(byte[] model, string inputName, float[] input, long[] shape, string? outputName = null)
    {
        using var options = new SessionOptions
        {
            // No graph rewrites (e.g. Conv+BatchNormalization fusion): compare with the graph as written.
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
        };
        using var session = new InferenceSession(model, options);
        return Run(session, inputName, input, shape, outputName);
    }

    public static (float[] Data, long[] Shape) Run(InferenceSession session, string inputName, float[] input, long[] shape, string? outputName = null)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [value], [outputName ?? session.OutputNames[0]]);
        var result = results[0];
        return (result.GetTensorDataAsSpan<float>().ToArray(), result.GetTensorTypeAndShape().Shape);
    }
}
