using System.Text;
using System.Text.Json.Nodes;
using DreamTime.IO;
using DreamTime.Runtime;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DreamTime.Tests.IO;

/// <summary>Mutated safetensors files (headers and data) load or fail with a one-line UserError naming the file.</summary>
[Trait("Category", "fuzz")]
public class SafetensorsFuzzTests(ITestOutputHelper output)
{
    /// <summary>A small real file: float32, float16, int64 and bool tensors, metadata, an empty tensor.</summary>
    private static byte[] Original()
    {
        var dir = Directory.CreateTempSubdirectory("dt-st-fuzz-").FullName;
        var path = Path.Combine(dir, "model.safetensors");
        using (var scope = NewDisposeScope())
        {
            SafetensorsFile.Save(path, new Dictionary<string, Tensor>
            {
                ["down_blocks.0.resnets.0.conv1.weight"] = torch.linspace(-1, 1, 24).reshape(2, 3, 2, 2),
                ["down_blocks.0.resnets.0.conv1.bias"] = torch.ones(2, ScalarType.Float16),
                ["text_model.embeddings.position_ids"] = ScalarArithmetic.Arange(7, ScalarType.Int64).reshape(1, 7),
                ["mask"] = torch.tensor(new[] { true, false, true }),
                ["empty"] = torch.zeros(0, 3),
            }, new Dictionary<string, string> { ["format"] = "pt" });
        }
        var bytes = File.ReadAllBytes(path);
        Directory.Delete(dir, true);
        return bytes;
    }

    private static readonly byte[] Valid = Original();
    private static int HeaderEnd => 8 + (int)BitConverter.ToUInt64(Valid, 0);

    private static void OpenAndLoad(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dt-st-fuzz-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        try
        {
            var file = SafetensorsFile.Open(path);
            foreach (var (_, t) in file.LoadAll()) t.Dispose();
        }
        catch (UserError e) when (!e.Message.Contains(path))
        {
            throw new InvalidOperationException($"UserError does not name the file: {e.Message}");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AnInvalidUtf8ByteInATensorNameIsAUserErrorNamingTheFile()
    {
        // the known crash: Open threw InvalidOperationException ("Cannot transcode invalid UTF-8 JSON text")
        var bytes = (byte[])Valid.Clone();
        int at = Encoding.ASCII.GetString(bytes, 8, HeaderEnd - 8).IndexOf("conv1.weight", StringComparison.Ordinal) + 8;
        bytes[at] = 0x92;
        var path = Path.Combine(Path.GetTempPath(), $"dt-st-utf8-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        try
        {
            var e = Assert.Throws<UserError>(() => SafetensorsFile.Open(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("invalid UTF-8", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TheUnmutatedFileLoads() => OpenAndLoad(Valid);

    [Fact]
    public void ByteMutationsOfTheHeaderAndDataAreCleanErrors() =>
        Fuzz.Run("safetensors bytes", Fuzz.Cases(150), 1, (rng, _) =>
            OpenAndLoad(rng.Next(4) == 0 ? Fuzz.MutateBytes(Valid, rng) : Fuzz.MutateBytes(Valid, rng, 0, HeaderEnd)), output);

    [Fact]
    public void StructuralHeaderMutationsAreCleanErrors() =>
        Fuzz.Run("safetensors header", Fuzz.Cases(150), 2, (rng, _) => OpenAndLoad(MutateHeader(rng)), output);

    /// <summary>dtype and shape changes, offsets out of range or reversed, huge sizes, missing, duplicated and mistyped keys.</summary>
    private static byte[] MutateHeader(Random rng)
    {
        var headerBytes = Valid[8..HeaderEnd];
        var data = Valid[HeaderEnd..];
        var header = JsonNode.Parse(headerBytes)!.AsObject();
        var names = header.Select(kv => kv.Key).Where(k => k != "__metadata__").ToList();
        var entry = header[names[rng.Next(names.Count)]]!.AsObject();
        long begin = entry["data_offsets"]![0]!.GetValue<long>(), end = entry["data_offsets"]![1]!.GetValue<long>();
        byte[]? text = null;
        ulong? declared = null;
        switch (rng.Next(9))
        {
            case 0:
                string[] dtypes = { "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "U16", "U32", "U64", "BOOL", "F8_E4M3",
                    "", "f32" };
                entry["dtype"] = dtypes[rng.Next(dtypes.Length)];
                break;
            case 1:
                long[][] shapes = { new long[] { }, new long[] { 0 }, new long[] { -1, -24 }, new long[] { 1L << 32, 1L << 32 },
                                    new long[] { long.MaxValue, 2 },
                                    new long[] { 1L << 62, 4 }, new long[] { 24, 1 }, new long[] { 3, 3, 3 }, new long[] { -1 } };
                entry["shape"] = new JsonArray(shapes[rng.Next(shapes.Length)].Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
                break;
            case 2:
                long[][] offsets = { new[] { begin, end + 1 }, new[] { end, begin }, new[] { -8, end }, new[] { 0, 1L << 62 },
                                     new[] { begin, data.Length + 100L },
                                     new[] { begin }, new[] { begin, end, end }, new[] { long.MaxValue, long.MaxValue },
                                     new[] { begin + 1, end + 1 } };
                entry["data_offsets"] = new JsonArray(offsets[rng.Next(offsets.Length)].Select(v =>
                    (JsonNode)JsonValue.Create(v)).ToArray());
                break;
            case 3:
                entry.Remove(new[] { "dtype", "shape", "data_offsets" }[rng.Next(3)]);
                break;
            case 4:
                entry[new[] { "dtype", "shape", "data_offsets" }[rng.Next(3)]] = Fuzz.OddValue(rng);
                break;
            case 5:
                ulong[] lengths = { 0, 1, ulong.MaxValue, 1UL << 63, (ulong)headerBytes.Length + 1, (ulong)headerBytes.Length - 1,
                    (ulong)Valid.Length, 100_000_001 };
                declared = lengths[rng.Next(lengths.Length)];
                break;
            case 6:
                text = Fuzz.MutateJson(headerBytes, rng);
                break;
            case 7:
                header[names[rng.Next(names.Count)]] = Fuzz.OddValue(rng);
                break;
            default:
                // a duplicated tensor name (System.Text.Json's reader keeps both)
                var json = header.ToJsonString();
                var name = names[rng.Next(names.Count)];
                text = Encoding.UTF8.GetBytes(json[..^1] + $",\"{name}\":" + header[name]!.ToJsonString() + "}");
                break;
        }
        text ??= Encoding.UTF8.GetBytes(header.ToJsonString());
        return BitConverter.GetBytes(declared ?? (ulong)text.Length).Concat(text).Concat(data).ToArray();
    }
}
