using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace IGOSpp.Tests.Models;

/// <summary>
/// A tiny TorchVision-shaped classifier (conv1 → bn1 → relu → global average pool → fc, with TorchVision's parameter
/// names) and the writers of the committed fixtures in Models/Fixtures: its weights as a PyTorch pickled state dict
/// (tiny_net.pt, written with TorchSharp.PyBridge's save_py), as tiny_net.safetensors, and the same network as a
/// TorchScript archive written by hand (tiny_net.torchscript.pt). Regenerate them with
/// <c>dotnet run -c Release --project tools/IGOSpp.FixtureGen -- IGOSpp.Models.Tests/Fixtures</c>; the tests
/// rebuild the reference network from <see cref="Seed"/> and compare.
/// </summary>
internal static class ModelFixtures
{
    public const int Seed = 20261127;
    public const int Channels = 3;
    public const int Hidden = 4;
    public const int Classes = 3;
    public const int ImageSize = 8;

    public const string StateDictFile = "tiny_net.pt";
    public const string SafetensorsFile = "tiny_net.safetensors";
    public const string TorchScriptFile = "tiny_net.torchscript.pt";

    /// <summary>The reference network: seeded weights and non-trivial batch-norm statistics, in eval mode.</summary>
    public static TinyNet CreateReference()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(Seed);
        var net = new TinyNet();
        using (no_grad())
        {
            net.bn1.weight!.copy_(rand(Hidden) + 0.5f);
            net.bn1.bias!.copy_(randn(Hidden) * 0.1f);
            net.bn1.running_mean!.copy_(randn(Hidden) * 0.2f);
            net.bn1.running_var!.copy_(rand(Hidden) + 0.5f);
        }

        net.eval();
        return net;
    }

    /// <summary>Seeded test images [n,3,8,8] in [0,1]. The caller owns the tensor.</summary>
    public static Tensor Images(int n, int seed = 5)
    {
        using var generator = new Generator((ulong)seed);
        return rand([n, Channels, ImageSize, ImageSize], generator: generator);
    }

    /// <summary>Writes the three fixture files into <paramref name="directory"/>.</summary>
    public static void WriteAll(string directory)
    {
        Directory.CreateDirectory(directory);
        using var net = CreateReference();
        net.save_py(Path.Combine(directory, StateDictFile));
        var state = net.state_dict();
        WriteSafetensors(Path.Combine(directory, SafetensorsFile), state);
        WriteTorchScript(Path.Combine(directory, TorchScriptFile), state);
    }

    /// <summary>The .safetensors layout: u64 little-endian header length, JSON header (names sorted, padded with
    /// spaces to a multiple of 8), raw little-endian float32 data.</summary>
    public static void WriteSafetensors(string path, IReadOnlyDictionary<string, Tensor> state)
    {
        var names = state.Keys.Order(StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        long offset = 0;
        foreach (var name in names)
        {
            var length = state[name].numel() * 4;
            header[name] = new Dictionary<string, object> { ["dtype"] = "F32", ["shape"] = state[name].shape, ["data_offsets"] = new[] { offset, offset + length } };
            offset += length;
        }

        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var padded = (json.Length + 7) / 8 * 8;
        using var stream = File.Create(path);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        stream.Write(prefix);
        stream.Write(json);
        for (var i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var name in names) stream.Write(FloatBytes(state[name]));
    }

    /// <summary>
    /// The TorchScript archive PyTorch's torch.jit.save writes for an equivalent scripted module: a zip with
    /// &lt;name&gt;/version, &lt;name&gt;/code/__torch__.py (the class in TorchScript), &lt;name&gt;/data.pkl (the
    /// module object: pickle protocol 2, attributes set by BUILD, tensors through torch._utils._rebuild_tensor_v2
    /// with persistent ids naming &lt;name&gt;/data/&lt;i&gt;), &lt;name&gt;/constants.pkl (an empty tuple) and the raw
    /// storages. The module keeps TorchVision's weights under flat attribute names (conv1_weight, …).
    /// </summary>
    public static void WriteTorchScript(string path, IReadOnlyDictionary<string, Tensor> state)
    {
        var parameters = new[] { "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "fc.weight", "fc.bias" };
        var buffers = new[] { "bn1.running_mean", "bn1.running_var" };
        static string Flat(string name) => name.Replace('.', '_');

        var code = new StringBuilder()
            .Append("class TinyNet(Module):\n")
            .Append("  __parameters__ = [").Append(string.Concat(parameters.Select(p => $"\"{Flat(p)}\", "))).Append("]\n")
            .Append("  __buffers__ = [").Append(string.Concat(buffers.Select(b => $"\"{Flat(b)}\", "))).Append("]\n")
            .Append(string.Concat(parameters.Concat(buffers).Select(n => $"  {Flat(n)} : Tensor\n")))
            .Append("  training : bool\n")
            .Append("  def forward(self: __torch__.TinyNet,\n    x: Tensor) -> Tensor:\n")
            .Append("    x0 = torch.conv2d(x, self.conv1_weight, self.conv1_bias, [1, 1], [1, 1], [1, 1], 1)\n")
            .Append("    x1 = torch.batch_norm(x0, self.bn1_weight, self.bn1_bias, self.bn1_running_mean, self.bn1_running_var, False, 0.10000000000000001, 1.0000000000000001e-05, False)\n")
            .Append("    x2 = torch.relu(x1)\n")
            .Append("    x3 = torch.adaptive_avg_pool2d(x2, [1, 1])\n")
            .Append("    x4 = torch.flatten(x3, 1)\n")
            .Append("    return torch.linear(x4, self.fc_weight, self.fc_bias)\n")
            .ToString();

        using var pickle = new PickleWriter();
        pickle.Proto();
        pickle.Global("__torch__", "TinyNet");
        pickle.Op(')'); // EMPTY_TUPLE
        pickle.Op(0x81); // NEWOBJ
        pickle.Op('}'); // EMPTY_DICT
        pickle.Op('('); // MARK
        pickle.String("training");
        pickle.Op(0x89); // NEWFALSE
        var storages = new List<Tensor>();
        foreach (var name in parameters.Concat(buffers))
        {
            pickle.String(Flat(name));
            pickle.Tensor(state[name], storages.Count.ToString(CultureInfo.InvariantCulture), parameters.Contains(name));
            storages.Add(state[name]);
        }

        pickle.Op('u'); // SETITEMS
        pickle.Op('b'); // BUILD
        pickle.Op('.'); // STOP

        using var constants = new PickleWriter();
        constants.Proto();
        constants.Op(')');
        constants.Op('.');

        const string root = "tiny_net";
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        void Add(string name, byte[] bytes)
        {
            var entry = zip.CreateEntry($"{root}/{name}", CompressionLevel.NoCompression);
            entry.LastWriteTime = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
            using var s = entry.Open();
            s.Write(bytes);
        }

        Add("data.pkl", pickle.ToArray());
        Add("code/__torch__.py", Encoding.UTF8.GetBytes(code));
        Add("constants.pkl", constants.ToArray());
        for (var i = 0; i < storages.Count; i++) Add($"data/{i}", FloatBytes(storages[i]));
        Add("version", Encoding.ASCII.GetBytes("3\n"));
    }

    private static byte[] FloatBytes(Tensor tensor)
    {
        var values = tensor.detach().contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    /// <summary>The few pickle (protocol 2) opcodes a TorchScript data.pkl needs.</summary>
    private sealed class PickleWriter : IDisposable
    {
        private readonly MemoryStream _stream = new();

        public void Proto() { _stream.WriteByte(0x80); _stream.WriteByte(2); }

        public void Op(char op) => _stream.WriteByte((byte)op);

        public void Op(byte op) => _stream.WriteByte(op);

        public void Global(string module, string name)
        {
            Op('c');
            var text = Encoding.ASCII.GetBytes($"{module}\n{name}\n");
            _stream.Write(text);
        }

        public void String(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            Op('X'); // BINUNICODE
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            _stream.Write(length);
            _stream.Write(bytes);
        }

        public void Int(long value)
        {
            Op('J'); // BININT
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, checked((int)value));
            _stream.Write(bytes);
        }

        public void LongTuple(IEnumerable<long> values)
        {
            Op('(');
            foreach (var v in values) Int(v);
            Op('t');
        }

        /// <summary>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict()).</summary>
        public void Tensor(Tensor tensor, string key, bool requiresGrad)
        {
            Global("torch._utils", "_rebuild_tensor_v2");
            Op('(');
            Op('('); // persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
            String("storage");
            Global("torch", "FloatStorage");
            String(key);
            String("cpu");
            Int(tensor.numel());
            Op('t');
            Op('Q'); // BINPERSID
            Int(0);
            LongTuple(tensor.shape);
            LongTuple(tensor.stride());
            Op(requiresGrad ? (byte)0x88 : (byte)0x89);
            Global("collections", "OrderedDict");
            Op(')');
            Op('R');
            Op('t');
            Op('R');
        }

        public byte[] ToArray() => _stream.ToArray();

        public void Dispose() => _stream.Dispose();
    }
}

/// <summary>conv1 (3→4, 3×3, pad 1) → bn1 → relu → global average pool → fc (4→3), named as in TorchVision.</summary>
internal sealed class TinyNet : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006, SA1300 // TorchVision's names are the state dict keys
    public readonly Conv2d conv1 = nn.Conv2d(ModelFixtures.Channels, ModelFixtures.Hidden, 3, padding: 1);
    public readonly BatchNorm2d bn1 = nn.BatchNorm2d(ModelFixtures.Hidden);
    public readonly Linear fc = nn.Linear(ModelFixtures.Hidden, ModelFixtures.Classes);
#pragma warning restore IDE1006, SA1300

    public TinyNet() : base(nameof(TinyNet)) => RegisterComponents();

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = nn.functional.relu(bn1.call(conv1.call(input)));
        return fc.call(nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)).MoveToOuterDisposeScope();
    }
}
