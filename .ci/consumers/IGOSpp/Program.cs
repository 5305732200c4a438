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
Console.WriteLine($"consumer IGOSpp: {map.Method} map {map.Height}x{map.Width}, mask in [{lo:F3}, {hi:F3}], {map.Trace.Iterations.Count} iterations");
return map.Height == 8 && lo >= 0 && hi <= 1 && map.Trace.Iterations.Count == 3 ? 0 : 1;
