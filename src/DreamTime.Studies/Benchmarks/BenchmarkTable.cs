using System.Globalization;
using System.Text;

namespace DreamTime.Studies.Benchmarks;

/// <summary>Plain-text tables and the statistics the benchmarks report.</summary>
public static class BenchmarkTable
{
    /// <summary>
    /// Columns separated by " | ", the first left-aligned and the rest right-aligned, under a header and a rule;
    /// every line ends with a newline.
    /// </summary>
    public static string Format(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        if (headers.Count == 0) throw new ArgumentException("a table needs at least one column", nameof(headers));
        foreach (var r in rows)
            if (r.Count != headers.Count)
                throw new ArgumentException($"a row has {r.Count} cells for {headers.Count} columns", nameof(rows));
        var widths = Enumerable.Range(0, headers.Count).Select(c =>
            rows.Select(r => r[c].Length).Append(headers[c].Length).Max()).ToArray();
        string Line(IReadOnlyList<string> cells) =>
            string.Join(" | ", cells.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd();
        var sb = new StringBuilder();
        sb.Append(Line(headers)).Append('\n');
        sb.Append(string.Join("-+-", widths.Select(w => new string('-', w)))).Append('\n');
        foreach (var r in rows) sb.Append(Line(r)).Append('\n');
        return sb.ToString();
    }

    /// <summary>Seconds as milliseconds with one decimal, invariant culture.</summary>
    public static string Ms(double seconds) => (1000 * seconds).ToString("F1", CultureInfo.InvariantCulture);

    /// <summary>The median (the mean of the middle two for an even count): robust to the odd run a busy machine slows down.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) throw new ArgumentException("median of no values", nameof(values));
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    internal static double Seconds(long fromTimestamp, long toTimestamp) =>
        (toTimestamp - fromTimestamp) / (double)System.Diagnostics.Stopwatch.Frequency;

    internal static void RequireRange(int value, int min, int max, string key)
    {
        if (value < min || value > max) throw new Runtime.UserError(key, $"is {value}; must be in {min}..{max}");
    }
}
