using TorchSharp;

namespace IGOSpp.Benchmarks.Infrastructure;

/// <summary>The devices the benchmarks run on: always "cpu", plus "cuda" when a CUDA backend is built and a GPU is present.</summary>
public static class Devices
{
    public static IEnumerable<string> Available()
    {
        yield return "cpu";
        bool cuda;
        try { cuda = torch.cuda.is_available(); }
        catch (Exception ex) when (ex is DllNotFoundException or InvalidOperationException or TypeInitializationException) { cuda = false; }
        if (cuda) yield return "cuda";
    }

    public static torch.Device Of(string name) => name == "cuda" ? torch.CUDA : torch.CPU;
}
