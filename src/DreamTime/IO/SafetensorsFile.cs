using System.Text;
using System.Text.Json;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.IO;

/// <summary>
/// Reader and writer for the safetensors format: 8-byte little-endian header length, a JSON header
/// {name: {dtype, shape, data_offsets}}, then the raw little-endian data. Every malformation is reported
/// as a <see cref="UserError"/> that names the file and the problem.
/// </summary>
public sealed class SafetensorsFile
{
    public string Path { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries => _entries;
    public IReadOnlyDictionary<string, string> Metadata => _metadata;
    private readonly Dictionary<string, SafetensorsEntry> _entries = new();
    private readonly Dictionary<string, string> _metadata = new();
    private readonly long _dataStart;

    private SafetensorsFile(string path, long dataStart)
    {
        Path = path;
        _dataStart = dataStart;
    }

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: file not found");
        using var fs = File.OpenRead(path);
        long fileLength = fs.Length;
        if (fileLength < 8) throw new UserError($"{path}: not a safetensors file (only {fileLength} bytes)");
        Span<byte> lenBytes = stackalloc byte[8];
        fs.ReadExactly(lenBytes);
        ulong headerLen = BitConverter.ToUInt64(lenBytes);
        if (headerLen == 0 || headerLen > 100_000_000 || (long)headerLen > fileLength - 8)
            throw new UserError($"{path}: corrupt safetensors header (header length {headerLen} does not fit a {fileLength}-byte file)");
        var header = new byte[headerLen];
        fs.ReadExactly(header);
        var file = new SafetensorsFile(path, 8 + (long)headerLen);
        long dataLength = fileLength - file._dataStart;
        // System.Text.Json validates UTF-8 only when a string is read, with an InvalidOperationException; check it all first.
        try { StrictUtf8.GetCharCount(header); }
        catch (DecoderFallbackException e)
        {
            throw new UserError($"{path}: corrupt safetensors header (invalid UTF-8 at byte {8 + e.Index})");
        }
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException e) { throw new UserError($"{path}: corrupt safetensors header (invalid JSON: {e.Message.Split('\n')[0]})"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new UserError($"{path}: corrupt safetensors header (not a JSON object)");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name))
                    throw new UserError($"{path}: corrupt safetensors header ('{Printable(prop.Name)}' is listed twice)");
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind == JsonValueKind.Object)
                        foreach (var m in prop.Value.EnumerateObject()) file._metadata[m.Name] = m.Value.ToString();
                    continue;
                }
                file._entries[prop.Name] = ReadEntry(path, prop, dataLength);
            }
        }
        return file;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static SafetensorsEntry ReadEntry(string path, JsonProperty prop, long dataLength)
    {
        string Where() => $"{path}: corrupt safetensors header entry '{Printable(prop.Name)}'";
        var v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw new UserError($"{Where()} (expected an object with dtype, shape and data_offsets)");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new UserError($"{Where()} (\"dtype\" must be a string)");
        var dtype = dt.GetString()!;
        int elementSize = ElementSize(dtype, path, prop.Name);
        var shape = Integers(v, "shape", Where);
        var offs = Integers(v, "data_offsets", Where);
        if (offs.Length != 2) throw new UserError($"{Where()} (data_offsets must have two numbers, not {offs.Length})");
        if (shape.Any(d => d < 0)) throw new UserError($"{Where()} (shape [{string.Join(",", shape)}] has a negative size)");
        if (offs[0] < 0 || offs[1] < offs[0] || offs[1] > dataLength)
            throw new UserError($"{path}: tensor '{Printable(prop.Name)}' has data offsets [{offs[0]}, {offs[1]}] outside the data " +
                $"({dataLength} bytes) or reversed; the file is truncated or corrupt");
        long expected;
        try { expected = checked(shape.Aggregate(1L, (a, b) => a * b) * elementSize); }
        catch (OverflowException) { expected = -1; }
        if (offs[1] - offs[0] != expected)
            throw new UserError($"{path}: tensor '{Printable(prop.Name)}' has {offs[1] - offs[0]} bytes but dtype {dtype} and shape " +
                $"[{string.Join(",", shape)}] need " +
                                (expected < 0 ? "more than 2^63" : expected.ToString()));
        return new SafetensorsEntry(prop.Name, dtype, shape, offs[0], offs[1]);
    }

    private static long[] Integers(JsonElement entry, string key, Func<string> where)
    {
        if (!entry.TryGetProperty(key, out var a) || a.ValueKind != JsonValueKind.Array)
            throw new UserError($"{where()} (\"{key}\" must be a list of integers)");
        var values = new long[a.GetArrayLength()];
        int i = 0;
        foreach (var e in a.EnumerateArray())
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out values[i++]))
                throw new UserError($"{where()} (\"{key}\" must be a list of integers, got {Printable(e.GetRawText())})");
        return values;
    }

    public static int ElementSize(string dtype, string path = "", string name = "") => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => throw new UserError($"{path}: tensor '{Printable(name)}' has unsupported dtype {Printable(dtype)}"),
    };

    /// <summary>A name or value from a header as one short line for a message: control characters escaped, at most 80 characters.</summary>
    internal static string Printable(string s)
    {
        var sb = new StringBuilder();
        foreach (var c in s.Length > 80 ? s[..80] : s) sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return s.Length > 80 ? sb + "..." : sb.ToString();
    }

    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>Reads the raw bytes of one tensor.</summary>
    public byte[] ReadBytes(string name)
    {
        if (!_entries.TryGetValue(name, out var e)) throw new UserError($"{Path}: tensor '{Printable(name)}' not found");
        var bytes = new byte[e.End - e.Begin];
        using var fs = File.OpenRead(Path);
        fs.Seek(_dataStart + e.Begin, SeekOrigin.Begin);
        fs.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Loads one tensor on the CPU in its stored dtype (F16/BF16/F32/F64/I64/I32/U8/BOOL).</summary>
    public Tensor Load(string name)
    {
        var e = _entries.TryGetValue(name, out var found) ? found : throw new UserError($"{Path}: tensor '{Printable(name)}' not found");
        var bytes = ReadBytes(name);
        if (!NonFiniteWeights.Allowed && NonFiniteWeights.FirstNonFinite(bytes, e.DType) is var bad and >= 0)
            throw new UserError($"{Path}: tensor '{Printable(name)}' holds a non-finite value (NaN or infinity) " +
                                $"at element {bad} of [{string.Join(",", e.Shape)}]; " +
                                "the checkpoint is corrupt or was saved from a diverged run " +
                                $"(set {NonFiniteWeights.EnvironmentVariable}=1 to load it anyway, for debugging)");
        ScalarType dtype;
        try { dtype = ToScalarType(e.DType); }
        catch (UserError)
        {
            throw new UserError($"{Path}: tensor '{Printable(name)}' has dtype {e.DType}, which cannot be loaded (use F16, BF16, F32, " +
                "F64, I64, I32, I16, I8, U8 or BOOL)");
        }
        var t = torch.empty(e.Shape, dtype);
        if (bytes.Length > 0) t.bytes = bytes;
        return t;
    }

    /// <summary>Loads every tensor on the CPU.</summary>
    public Dictionary<string, Tensor> LoadAll() => _entries.Keys.ToDictionary(k => k, Load);

    public static ScalarType ToScalarType(string dtype) => dtype switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new UserError($"unsupported safetensors dtype {dtype}"),
    };

    public static string ToDTypeName(ScalarType t) => t switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"dtype {t} cannot be stored in safetensors"),
    };

    /// <summary>Writes tensors (moved to CPU, stored in their own dtype) atomically: a temporary file, then a rename.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var blobs = new List<byte[]>();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var n in names)
        {
            using var cpu = tensors[n].detach().cpu().contiguous();
            var bytes = cpu.numel() == 0 ? Array.Empty<byte>() : cpu.bytes.ToArray();
            header[n] = new Dictionary<string, object>
            {
                ["dtype"] = ToDTypeName(cpu.dtype),
                ["shape"] = cpu.shape,
                ["data_offsets"] = new[] { offset, offset + bytes.Length },
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        // The data section is 8-byte aligned in files written by the reference library; pad the header with spaces.
        int pad = (8 - json.Length % 8) % 8;
        var headerBytes = new byte[json.Length + pad];
        json.CopyTo(headerBytes, 0);
        for (int i = json.Length; i < headerBytes.Length; i++) headerBytes[i] = (byte)' ';
        AtomicFile.Write(path, s =>
        {
            s.Write(BitConverter.GetBytes((ulong)headerBytes.Length));
            s.Write(headerBytes);
            foreach (var b in blobs) s.Write(b);
        });
    }
}
