using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Models;

/// <summary>
/// A TorchScript module (saved with <c>torch.jit.save</c> in PyTorch) seen as an <c>nn.Module&lt;Tensor, Tensor&gt;</c>,
/// the shape every IGOSpp explainer and metric takes. Create it with <see cref="ModelLoader.LoadTorchScript"/>.
/// The script module is registered as the submodule "script", so <c>parameters()</c>, <c>eval()</c>, <c>train()</c>
/// and <c>to(device)</c> reach it; <c>call</c> runs the script's <c>forward</c> with one tensor and expects one tensor back.
/// </summary>
public sealed class TorchScriptModule : nn.Module<Tensor, Tensor>
{
    private readonly jit.ScriptModule<Tensor, Tensor> _script;

    internal TorchScriptModule(jit.ScriptModule<Tensor, Tensor> script, string sourcePath) : base(nameof(TorchScriptModule))
    {
        _script = script;
        SourcePath = sourcePath;
        register_module("script", _script);
    }

    /// <summary>The file the module was loaded from.</summary>
    public string SourcePath { get; }

    /// <summary>The underlying TorchSharp script module (owned by this module: disposing this disposes it).</summary>
    public jit.ScriptModule<Tensor, Tensor> Script => _script;

    /// <summary>Runs the script's <c>forward</c>. The caller owns the returned tensor.</summary>
    /// <param name="input">The model input, e.g. images [N,C,H,W].</param>
    /// <exception cref="InvalidOperationException">The script failed (wrong input shape, or it does not return one tensor).</exception>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            return _script.call(input);
        }
        catch (InvalidCastException e)
        {
            throw new InvalidOperationException($"The TorchScript module '{SourcePath}' does not return a single tensor.", e);
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            throw new InvalidOperationException(
                $"The TorchScript module '{SourcePath}' failed on an input of shape [{string.Join(",", input.shape)}] ({input.dtype}, {input.device}): {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>All submodules, listed eagerly: TorchSharp's lazy listing asks the script module for its children after
    /// <c>Dispose</c> has already released it.</summary>
    public override IEnumerable<(string name, nn.Module module)> named_modules()
    {
        try
        {
            return base.named_modules().ToList();
        }
        catch (ObjectDisposedException)
        {
            // A parent module disposing its children enumerates this module after the script was released.
            return [("script", _script)];
        }
    }

    internal static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }
}
