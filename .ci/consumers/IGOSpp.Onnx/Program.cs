// A user who added only IGOSpp.Onnx (and TorchSharp-cpu): import an ONNX classifier, run it and take the gradient of
// a class score with respect to the input (what ONNX Runtime cannot give).
using IGOSpp.Onnx;
using TorchSharp;
using static TorchSharp.torch;

using var model = OnnxModel.Load(Path.Combine(AppContext.BaseDirectory, "tiny-cnn-3x16x16.onnx"));
torch.manual_seed(1);
using var image = torch.rand(2, 3, 16, 16).requires_grad_(true);
using var logits = model.call(image);
using var grad = torch.autograd.grad([logits[.., 0].sum()], [image])[0];
var norm = grad.abs().sum().item<float>();
Console.WriteLine($"consumer IGOSpp.Onnx: logits [{string.Join(",", logits.shape)}], |d logit0 / d input|_1 = {norm:G4}");
return logits.shape[0] == 2 && float.IsFinite(norm) && norm > 0 ? 0 : 1;
