using System.Runtime.InteropServices;
using TorchSharp;

namespace DreamTime.Runtime;

/// <summary>
/// One place that prepares libtorch for this process: allocator settings that must be in the native
/// environment before libtorch allocates, thread count, and the compute device.
/// </summary>
public static class TorchRuntime
{
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int param, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledMkldnn(IntPtr context);

    [DllImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledNnpack(IntPtr context);

    private static readonly object OneDnnLock = new();
    private static int _withoutOneDnn;
    private static bool _oneDnnWasEnabled, _nnpackWasEnabled;

    /// <summary>
    /// Turns oneDNN (and NNPACK) off for CPU convolutions until disposed, as torch.backends.mkldnn.enabled = False
    /// does (TorchSharp exposes no switch, so this calls libtorch's own setter). oneDNN's convolution backward returns
    /// NaN input gradients at random on AMD Zen 5 for narrow convolutions (32->3 at 32x32: one call in twenty), which
    /// stopped UNet trainings at a random step and made resumed runs differ, and its forward pass gave non-finite
    /// samples for small pixel-space models; libtorch's own kernels do not, at about twice the cost.
    /// Counted, so overlapping users (parallel tests) turn it back on only when the last one ends.
    /// Where the setter is missing (another libtorch build) nothing changes.
    /// </summary>
    public static IDisposable WithoutOneDnnConvolutions()
    {
        lock (OneDnnLock)
        {
            try
            {
                if (_withoutOneDnn == 0)
                {
                    var context = GlobalContext();
                    _oneDnnWasEnabled = UserEnabledMkldnn(context);
                    _nnpackWasEnabled = UserEnabledNnpack(context);
                    SetUserEnabledMkldnn(context, false);
                    SetUserEnabledNnpack(context, false); // unsupported on these CPUs: it would warn on every conv
                }
                _withoutOneDnn++;
                return new OneDnnScope();
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return new OneDnnScope(counted: false);
            }
        }
    }

    private sealed class OneDnnScope(bool counted = true) : IDisposable
    {
        private bool _disposed = !counted;

        public void Dispose()
        {
            lock (OneDnnLock)
            {
                if (_disposed) return;
                _disposed = true;
                if (--_withoutOneDnn > 0) return;
                var context = GlobalContext();
                SetUserEnabledMkldnn(context, _oneDnnWasEnabled);
                SetUserEnabledNnpack(context, _nnpackWasEnabled);
            }
        }
    }

    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;

    private static bool _configured;

    /// <summary>
    /// Fresh pages are slow to touch on small VMs and libtorch hands big buffers back to the OS after every
    /// use, so each training step pays for page faults again. THP_MEM_ALLOC_ENABLE makes libtorch's CPU
    /// allocator use huge pages; the mallopt settings stop glibc from returning freed memory to the OS.
    /// Must run before the first tensor is created. DREAMTIME_ALLOCATOR=default turns it off (for measuring).
    /// </summary>
    public static void ConfigureAllocator()
    {
        if (_configured) return;
        _configured = true;
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("DREAMTIME_ALLOCATOR") == "default") return;
        try
        {
            SetEnv("THP_MEM_ALLOC_ENABLE", "1", 0);
            // libtorch's OpenMP workers spin while waiting; on a busy 2-core VM a descheduled partner turns every
            // small op into a long spin (a tiny NeRF step: 350 ms active vs 22 ms passive). Read when libgomp loads.
            SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0);
            MallOpt(M_MMAP_THRESHOLD, 1 << 30);
            MallOpt(M_TRIM_THRESHOLD, int.MaxValue);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: the defaults stay, only speed is affected.
        }
    }

    /// <summary>
    /// Gives the memory a finished run freed back to the system. <see cref="ConfigureAllocator"/> keeps freed memory
    /// for speed within a run; a long-lived process (the web app) calls this between runs, so that it idles small.
    /// </summary>
    public static void ReleaseFreeMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        if (!OperatingSystem.IsLinux()) return;
        try { MallocTrim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // not glibc: nothing to trim
        }
    }

    /// <summary>Parses "cpu", "cuda" or "cuda:N", initialises the backend and fails clearly when it is absent.</summary>
    public static torch.Device ResolveDevice(string name)
    {
        ConfigureAllocator();
        var lower = name.Trim().ToLowerInvariant();
        if (lower == "cpu") return torch.CPU;
        if (lower == "cuda" || lower.StartsWith("cuda:"))
        {
            try { torch.InitializeDeviceType(DeviceType.CUDA); }
            catch (Exception e)
            {
                throw new UserError("device",
                    $"{name}: CUDA backend could not be initialised ({FirstLine(e.Message)}); reference a CUDA libtorch " +
                    "(see README) or use device cpu");
            }
            if (!torch.cuda.is_available()) throw new UserError("device", $"{name}: CUDA is not available on this machine; use device cpu");
            if (lower == "cuda") return new torch.Device("cuda");
            int count = torch.cuda.device_count();
            if (!int.TryParse(lower[5..], out int index) || index < 0 || index >= count)
                throw new UserError("device", $"{name}: no such GPU; this machine has cuda:0..cuda:{count - 1}");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new UserError("device", $"{name}: unknown device; use cpu, cuda or cuda:N");
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
