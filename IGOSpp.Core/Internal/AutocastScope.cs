using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace IGOSpp.Internal;

/// <summary>
/// libtorch's autocast (PyTorch's <c>torch.autocast</c>) around one model pass: convolutions and matrix products run in
/// the reduced type, casting the float32 weights and inputs on the fly; the model's parameters are not touched (the cast
/// copies live in libtorch's autocast cache and are freed when the outermost scope ends). TorchSharp 0.107 has no
/// autocast, so the scope calls the functions libtorch exports (<c>at::autocast::*</c>, Itanium C++ names: Linux and
/// macOS). The state is per thread, like PyTorch's; the previous state is restored on <see cref="Dispose"/>.
/// </summary>
internal sealed class AutocastScope : IDisposable
{
    private readonly sbyte _device;
    private readonly bool _wasEnabled;
    private readonly sbyte _previousType;
    private bool _disposed;

    private AutocastScope(sbyte device, sbyte type)
    {
        var api = Api.Value;
        _device = device;
        _wasEnabled = api.IsEnabled(device);
        _previousType = api.GetDtype(device);
        api.SetDtype(device, type);
        api.SetEnabled(device, true);
        api.IncrementNesting();
    }

    /// <summary>Whether this process can run reduced-precision passes (the libtorch functions were found).</summary>
    public static bool IsSupported => Api.Value.Error is null;

    /// <summary>Enters autocast for <paramref name="precision"/> on <paramref name="device"/>'s type; null for float32.</summary>
    /// <exception cref="PlatformNotSupportedException">The libtorch functions could not be found.</exception>
    public static AutocastScope? Enter(ModelPrecision precision, Device device)
    {
        if (precision == ModelPrecision.Float32) return null;
        var api = Api.Value;
        if (api.Error is not null)
            throw new PlatformNotSupportedException($"Precision {precision} needs libtorch's autocast, which was not found: {api.Error}");
        var type = precision == ModelPrecision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float16;
        return new AutocastScope((sbyte)device.type, (sbyte)type);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var api = Api.Value;
        if (api.DecrementNesting() == 0) api.ClearCache();
        api.SetEnabled(_device, _wasEnabled);
        api.SetDtype(_device, _previousType);
    }

    private static readonly Lazy<Native> Api = new(Native.Load);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetEnabledFn(sbyte device, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    [return: MarshalAs(UnmanagedType.U1)]
    private delegate bool IsEnabledFn(sbyte device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetDtypeFn(sbyte device, sbyte type);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate sbyte GetDtypeFn(sbyte device);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int NestingFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void ClearCacheFn();

    private sealed class Native
    {
        public SetEnabledFn SetEnabled = null!;
        public IsEnabledFn IsEnabled = null!;
        public SetDtypeFn SetDtype = null!;
        public GetDtypeFn GetDtype = null!;
        public NestingFn IncrementNesting = null!;
        public NestingFn DecrementNesting = null!;
        public ClearCacheFn ClearCache = null!;
        public string? Error;

        public static Native Load()
        {
            var native = new Native();
            if (OperatingSystem.IsWindows())
            {
                native.Error = "the exported names are only known for Linux and macOS builds of libtorch";
                return native;
            }

            // TorchSharp has loaded libtorch already; opening it by name returns the loaded library.
            torch.InitializeDeviceType(DeviceType.CPU);
            var name = OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
            if (!NativeLibrary.TryLoad(name, typeof(torch).Assembly, null, out var lib) && !NativeLibrary.TryLoad(name, out lib))
            {
                native.Error = $"{name} could not be opened";
                return native;
            }

            T Get<T>(string symbol) where T : Delegate =>
                NativeLibrary.TryGetExport(lib, symbol, out var f)
                    ? Marshal.GetDelegateForFunctionPointer<T>(f)
                    : throw new EntryPointNotFoundException(symbol);

            try
            {
                native.SetEnabled = Get<SetEnabledFn>("_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb");
                native.IsEnabled = Get<IsEnabledFn>("_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE");
                native.SetDtype = Get<SetDtypeFn>("_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE");
                native.GetDtype = Get<GetDtypeFn>("_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE");
                native.IncrementNesting = Get<NestingFn>("_ZN2at8autocast17increment_nestingEv");
                native.DecrementNesting = Get<NestingFn>("_ZN2at8autocast17decrement_nestingEv");
                native.ClearCache = Get<ClearCacheFn>("_ZN2at8autocast11clear_cacheEv");
            }
            catch (EntryPointNotFoundException e)
            {
                native.Error = $"{name} does not export {e.Message}";
            }

            return native;
        }
    }
}
