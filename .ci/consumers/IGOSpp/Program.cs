// A user who ran `dotnet add package IGOSpp` and `dotnet add package TorchSharp-cpu`: explain a tiny model.
using IGOSpp;
using TorchSharp;
using static TorchSharp.torch;

torch.manual_seed(1);
var model = nn.Sequential(nn.Conv2d(1, 4, 3, padding: 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3));
var tensor = torch.randn(1, 16, 16);
using var explainer = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 8, Iterations = 3, IntegrationSteps = 4, Seed = 1 });
using SaliencyMap map = explainer.Explain(tensor, 2);
var lo = map.Mask.min().item<float>();
var hi = map.Mask.max().item<float>();
Console.WriteLine($"consumer IGOSpp: {map.Method} map {map.Height}x{map.Width}, mask in [{lo:F3}, {hi:F3}], {map.Trace.Iterations.Count} iterations (early stop: {map.Trace.StoppedEarlyAt?.ToString() ?? "no"})");
// The defaults stop early once the masks stop changing (1e-3): either all 3 iterations ran or the trace says where it stopped.
var iterations = map.Trace.Iterations.Count;
var iterationsConsistent = map.Trace.StoppedEarlyAt is int last ? last + 1 == iterations && iterations < 3 : iterations == 3;
return map.Height == 8 && lo >= 0 && hi <= 1 && iterationsConsistent ? 0 : 1;
