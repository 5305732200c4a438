// A user who added only IGOSpp.Models (and TorchSharp-cpu): load a TorchScript model, run it and take an input gradient.
using IGOSpp.Models;
using TorchSharp;
using static TorchSharp.torch;

using var model = ModelLoader.LoadTorchScript(Path.Combine(AppContext.BaseDirectory, "tiny_net.torchscript.pt"));
torch.manual_seed(1);
using var image = torch.rand(2, 3, 8, 8).requires_grad_(true);
using var logits = model.call(image);
using var grad = torch.autograd.grad([logits[.., 0].sum()], [image])[0];
var norm = grad.abs().sum().item<float>();
Console.WriteLine($"consumer IGOSpp.Models: logits [{string.Join(",", logits.shape)}], |d logit0 / d input|_1 = {norm:G4}");
return logits.shape[0] == 2 && float.IsFinite(norm) && norm > 0 ? 0 : 1;
