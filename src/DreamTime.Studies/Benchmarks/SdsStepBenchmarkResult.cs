namespace DreamTime.Studies.Benchmarks;

public sealed record SdsStepBenchmarkResult(IReadOnlyList<SdsStepBenchmarkRow> Rows)
{
    /// <summary>One row per render size: each prior's median step, and the learned prior's cost relative to the built-in one.</summary>
    public string Table() => BenchmarkTable.Format(
        ["render", "built-in prior (ms/step)", "learned prior (ms/step)", "learned / built-in"],
        Rows.GroupBy(r => r.Resolution).Select(g =>
        {
            double b = g.Single(r => r.Prior == "builtin").SecondsPerStep, l = g.Single(r => r.Prior == "learned").SecondsPerStep;
            return (IReadOnlyList<string>)new[] { $"{g.Key}x{g.Key}", BenchmarkTable.Ms(b), BenchmarkTable.Ms(l),
                (l / b).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) };
        }).ToList());
}
