using DreamTime.IO;

namespace DreamTime.Tests;

/// <summary>Paths of the reference fixtures copied into the test output (tests/DreamTime.Tests/fixtures).</summary>
public static class Fixtures
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "fixtures");
    public static string TinySd15 => Path.Combine(Root, "tiny-sd15");
    private static SafetensorsFile? _sd15;
    public static SafetensorsFile Sd15Outputs => _sd15 ??= SafetensorsFile.Open(Path.Combine(TinySd15, "reference_outputs.safetensors"));
    public static string TinyZero123 => Path.Combine(Root, "tiny-zero123");
    private static SafetensorsFile? _zero123;
    public static SafetensorsFile Zero123Outputs =>
        _zero123 ??= SafetensorsFile.Open(Path.Combine(TinyZero123, "reference_outputs.safetensors"));
}
