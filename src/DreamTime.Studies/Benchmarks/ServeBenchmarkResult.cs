using System.Globalization;

namespace DreamTime.Studies.Benchmarks;

/// <summary>`benchmark serve`'s table: one row per way a run reaches the page.</summary>
public sealed record ServeBenchmarkResult(ServeBenchmarkSettings Settings, IReadOnlyList<ServeLatencyRow> Rows)
{
    public string Table() => BenchmarkTable.Format(["path", "steps", "events", "median ms", "p95 ms", "max ms"],
        Rows.Select(r => (IReadOnlyList<string>)
        [
            r.Path, r.Steps.ToString(CultureInfo.InvariantCulture), r.Events.ToString(CultureInfo.InvariantCulture),
            r.MedianMs.ToString("F1", CultureInfo.InvariantCulture), r.P95Ms.ToString("F1", CultureInfo.InvariantCulture),
            r.MaxMs.ToString("F1", CultureInfo.InvariantCulture),
        ]).ToList());
}
