using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DreamTime.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests;

/// <summary>
/// Seeded structural mutation of real files for the parser fuzz tests (trait Category=fuzz). Each case must load or
/// fail with a one-line <see cref="UserError"/>; any other exception, or a case that runs past a time limit, is a
/// crash. The number of cases per test is the test's default (a few dozen, for the normal suite) or
/// DREAMTIME_FUZZ_CASES (thousands, on demand: see README.md, Reliability).
/// </summary>
public static class Fuzz
{
    public const string CasesVariable = "DREAMTIME_FUZZ_CASES";
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(30);

    public static int Cases(int normal) =>
        int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), out int n) && n > 0 ? n : normal;

    /// <summary>Runs the cases (case i gets a Random seeded with seed and i), reports the counts and fails on any crash.</summary>
    public static void Run(string parser, int cases, int seed, Action<Random, int> body, ITestOutputHelper? output = null)
    {
        int loaded = 0, refused = 0;
        var crashes = new List<string>();
        for (int i = 0; i < cases; i++)
        {
            var rng = new Random(unchecked(seed * 1_000_003 + i)); // HashCode is salted per process; this is reproducible
            int index = i;
            var task = Task.Run(() => body(rng, index));
            try
            {
                if (!task.Wait(CaseLimit)) { crashes.Add($"case {i}: still running after {CaseLimit.TotalSeconds} s (a hang)"); continue; }
                loaded++;
            }
            catch (AggregateException ae) when (ae.InnerException is UserError ue)
            {
                if (ue.Message.Length == 0 || ue.Message.Contains('\n') || ue.Message.Contains('\r'))
                    crashes.Add($"case {i}: UserError message is not one line: {ue.Message}");
                else if (++refused <= 3) output?.WriteLine($"  case {i} refused: {ue.Message}");
            }
            catch (AggregateException ae)
            {
                var e = ae.InnerException!;
                crashes.Add($"case {i}: {e.GetType().Name}: {e.Message.Split('\n')[0]}\n"
                    + string.Join("\n", (e.StackTrace ?? "").Split('\n').Where(l => l.Contains("DreamTime")).Take(3)));
            }
        }
        output?.WriteLine($"fuzz {parser}: {cases} cases, {loaded} loaded, {refused} refused with a UserError, {crashes.Count} crashes");
        Assert.True(crashes.Count == 0,
            $"fuzz {parser}: {crashes.Count} of {cases} cases crashed:\n" + string.Join("\n", crashes.Take(10)));
    }

    /// <summary>
    /// One byte-level mutation: truncation, bit flips, a byte set to a troublesome value (0x92 is invalid UTF-8 on its
    /// own), a range deleted, duplicated or overwritten. Positions fall in [from, to) when given (e.g. a header).
    /// </summary>
    public static byte[] MutateBytes(byte[] src, Random rng, int from = 0, int to = -1)
    {
        if (to < 0 || to > src.Length) to = src.Length;
        if (from >= to) from = 0;
        int Pos() => rng.Next(from, Math.Max(from + 1, to));
        var data = src.ToList();
        switch (rng.Next(6))
        {
            case 0: return src[..Math.Min(src.Length, Pos())];
            case 1:
                for (int k = rng.Next(1, 5); k > 0; k--) { int p = Pos(); if (p < data.Count) data[p] ^= (byte)(1 << rng.Next(8)); }
                break;
            case 2:
                {
                    byte[] nasty = { 0x92, 0x00, 0xFF, 0xC0, 0xE2, (byte)'"', (byte)'{', (byte)'}', (byte)',', (byte)'\\', (byte)'9',
                        (byte)'-', (byte)'\n' };
                    int p = Pos(); if (p < data.Count) data[p] = nasty[rng.Next(nasty.Length)];
                    break;
                }
            case 3:
                {
                    int p = Pos();
                    data.RemoveRange(Math.Min(p, data.Count), Math.Min(rng.Next(1, 64), data.Count - Math.Min(p, data.Count)));
                    break;
                }
            case 4:
                {
                    int p = Pos();
                    int n = Math.Min(rng.Next(1, 64), data.Count - Math.Min(p, data.Count));
                    data.InsertRange(Math.Min(p, data.Count), data.GetRange(Math.Min(p, data.Count), n));
                    break;
                }
            default:
                {
                    int p = Pos();
                    for (int k = rng.Next(1, 16); k > 0 && p < data.Count; k--, p++) data[p] = (byte)rng.Next(256);
                    break;
                }
        }
        return data.ToArray();
    }

    /// <summary>Values of every JSON type, and numbers at the edges: the "wrong JSON type" and "huge size" mutations.</summary>
    public static JsonNode? OddValue(Random rng) => rng.Next(16) switch
    {
        0 => null,
        1 => JsonValue.Create("x"),
        2 => JsonValue.Create(""),
        3 => JsonValue.Create(true),
        4 => JsonValue.Create(-1),
        5 => JsonValue.Create(0),
        6 => JsonValue.Create(2147483648L),
        7 => JsonValue.Create(long.MaxValue),
        8 => JsonNode.Parse("1e300"),
        9 => JsonValue.Create(1.5),
        10 => new JsonArray(),
        11 => new JsonArray(1, "a", null),
        12 => new JsonObject(),
        13 => new JsonObject { ["content"] = 1 },
        14 => JsonValue.Create(-2147483648L),
        _ => new JsonArray(new JsonArray(new JsonArray())),
    };

    /// <summary>
    /// One structural mutation of a JSON document, written out as text: a key removed, a value replaced by one of
    /// another type or size, a key duplicated (with another value), or the text itself mutated byte-wise.
    /// </summary>
    public static byte[] MutateJson(byte[] json, Random rng)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException) { return MutateBytes(json, rng); }
        var slots = new List<(JsonNode Parent, string? Key, int Index)>();
        Collect(root, slots);
        int kind = rng.Next(5);
        if (kind == 0 || slots.Count == 0) return MutateBytes(json, rng);
        var (parent, key, index) = slots[rng.Next(slots.Count)];
        switch (kind)
        {
            case 1 when parent is JsonObject o: o.Remove(key!); break;
            case 1 when parent is JsonArray a: a.RemoveAt(index); break;
            case 2 or 3 when parent is JsonObject o: o[key!] = OddValue(rng); break;
            case 2 or 3 when parent is JsonArray a: a[index] = OddValue(rng); break;
            default:
                if (parent is JsonObject dup)
                {
                    var sb = new StringBuilder();
                    Write(root!, sb, dup, key!, OddValue(rng) ?? JsonValue.Create(1));
                    return Encoding.UTF8.GetBytes(sb.ToString());
                }
                break;
        }
        return Encoding.UTF8.GetBytes(root?.ToJsonString() ?? "null");
    }

    private static void Collect(JsonNode? node, List<(JsonNode, string?, int)> slots)
    {
        if (node is JsonObject o)
            foreach (var (k, v) in o.ToList()) { slots.Add((o, k, -1)); Collect(v, slots); }
        else if (node is JsonArray a)
            for (int i = 0; i < a.Count; i++) { slots.Add((a, null, i)); Collect(a[i], slots); }
    }

    /// <summary>Writes JSON with <paramref name="key"/> of <paramref name="target"/> listed twice, the second time with
    /// <paramref name="second"/>.</summary>
    private static void Write(JsonNode node, StringBuilder sb, JsonObject target, string key, JsonNode second)
    {
        if (node is JsonObject o)
        {
            sb.Append('{');
            bool first = true;
            foreach (var (k, v) in o)
            {
                if (!first) sb.Append(',');
                first = false;
                sb.Append(JsonSerializer.Serialize(k)).Append(':');
                if (v is null) sb.Append("null"); else Write(v, sb, target, key, second);
                if (ReferenceEquals(o, target) && k == key)
                    sb.Append(',').Append(JsonSerializer.Serialize(k)).Append(':').Append(second.ToJsonString());
            }
            sb.Append('}');
        }
        else if (node is JsonArray a)
        {
            sb.Append('[');
            for (int i = 0; i < a.Count; i++)
            {
                if (i > 0) sb.Append(',');
                if (a[i] is null) sb.Append("null"); else Write(a[i]!, sb, target, key, second);
            }
            sb.Append(']');
        }
        else sb.Append(node.ToJsonString());
    }
}
