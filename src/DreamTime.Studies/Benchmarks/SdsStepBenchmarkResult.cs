namespace DreamTime.Studies.Benchmarks;

public sealed record SdsStepBenchmarkResult(IReadOnlyList<SdsStepBenchmarkRow> Rows)
{
    public string Table()
    {
        var priors = Rows.Select(r => r.Prior).Distinct().ToList();
        return BenchmarkTable.Format(
            ["render", .. priors.Select(p => $"{p} (ms/step)"), "learned / built-in", "vsd / learned"],
            Rows.GroupBy(r => r.Resolution).Select(g =>
            {
                double Of(string prior) => g.Single(r => r.Prior == prior).SecondsPerStep;
                string Ratio(string a, string b) => (Of(a) / Of(b)).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
                return (IReadOnlyList<string>)[$"{g.Key}x{g.Key}", .. priors.Select(p => BenchmarkTable.Ms(Of(p))),
                    Ratio("learned", "builtin"), Ratio("vsd", "learned")];
            }).ToList());
    }
}
