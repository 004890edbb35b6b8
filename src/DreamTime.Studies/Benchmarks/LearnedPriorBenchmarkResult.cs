namespace DreamTime.Studies.Benchmarks;

public sealed record LearnedPriorBenchmarkResult(LearnedPriorBenchmarkSettings Settings, IReadOnlyList<LearnedPriorBenchmarkRow> Rows)
{
    public string Table() => BenchmarkTable.Format(
        ["block_out_channels", "UNet params", "text params", $"render batch {Settings.BatchSize}", "update (fwd+bwd+AdamW+EMA)",
        "training step", "CFG inference, batch 2"],
        Rows.Select(r => (IReadOnlyList<string>)new[]
        {
            "(" + string.Join(", ", r.Channels) + ")", Millions(r.UnetParameters), Millions(r.TextParameters),
            BenchmarkTable.Ms(r.RenderBatch), BenchmarkTable.Ms(r.Update), BenchmarkTable.Ms(r.RenderBatch + r.Update),
            BenchmarkTable.Ms(r.GuidedInference),
        }).ToList());

    private static string Millions(long n) => (n / 1e6).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + " M";
}
