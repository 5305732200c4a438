// A Linux user who added only IGOSpp.Imaging (and TorchSharp-cpu): render a saliency overlay, write it as PNG, read
// it back. Before the Linux native assets came with the package this threw DllNotFoundException: libSkiaSharp.
using IGOSpp;
using IGOSpp.Imaging;
using TorchSharp;
using static TorchSharp.torch;

torch.manual_seed(1);
var model = nn.Sequential(nn.Conv2d(3, 4, 3, padding: 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3));
var image = torch.rand(3, 32, 32);
using var explainer = new IgosPlusPlusExplainer(model, new IgosPlusPlusOptions { MaskSize = 8, Iterations = 2, IntegrationSteps = 4, Seed = 1 });
using var map = explainer.Explain(image, 1);
using var overlay = SaliencyRenderer.Overlay(image, map.Saliency);
var path = Path.Combine(Path.GetTempPath(), $"igospp-consumer-{Environment.ProcessId}.png");
ImageIO.SavePng(overlay, path);
using var back = ImageIO.Load(path);
var size = new FileInfo(path).Length;
File.Delete(path);
Console.WriteLine($"consumer IGOSpp.Imaging: wrote a {overlay.Width}x{overlay.Height} PNG ({size} bytes), read back [{string.Join(",", back.shape)}]");
return back.shape.SequenceEqual(new long[] { 3, 32, 32 }) && size > 100 ? 0 : 1;
