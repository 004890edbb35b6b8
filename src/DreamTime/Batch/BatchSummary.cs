using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DreamTime.Runtime;

namespace DreamTime.Batch;

/// <summary>
/// `dreamtime batch summarize`: one table of every job of a batch folder (CSV and Markdown): what it was, whether
/// it finished, and its metrics.json's scores and time. Unfinished jobs are listed with their state.
/// </summary>
public static class BatchSummary
{
    private static readonly string[] Metrics = ["psnr", "mask_iou", "mesh_psnr", "mesh_mask_iou", "nearest_member", "train_seconds_total"];

    /// <returns>how many jobs have finished, and how many there are</returns>
    public static (int Finished, int Total) Write(string dir)
    {
        var folder = new BatchFolder(dir);
        var jobs = BatchRun.JobsOf(folder);
        var header = new[] { "job", "line", "subject", "pipeline", "strategy", "seed", "status" }.Concat(Metrics).ToList();
        var rows = new List<List<string>>();
        int finished = 0;
        for (int i = 0; i < jobs.Count; i++)
        {
            var run = new Training.RunFolder(folder.Job(jobs[i], i));
            JsonObject? metrics = File.Exists(run.Metrics) ? JsonNode.Parse(File.ReadAllText(run.Metrics)) as JsonObject : null;
            string status = metrics != null ? "done" : Directory.Exists(run.Checkpoints) ? "interrupted" : "not started";
            if (metrics != null) finished++;
            var row = new List<string>
            {
                i.ToString(CultureInfo.InvariantCulture), jobs[i].Line.ToString(CultureInfo.InvariantCulture),
                jobs[i].Prompt ?? Path.GetFileName(jobs[i].Image) ?? "", Value(metrics, "pipeline"), Value(metrics, "strategy"),
                Value(metrics, "seed"), status,
            };
            row.AddRange(Metrics.Select(m => Value(metrics, m)));
            rows.Add(row);
        }
        var csv = new StringBuilder(string.Join(",", header) + "\n");
        foreach (var row in rows) csv.Append(string.Join(",", row.Select(Csv)) + "\n");
        AtomicFile.WriteAllText(folder.SummaryCsv, csv.ToString());
        var md = new StringBuilder($"| {string.Join(" | ", header)} |\n|{string.Concat(header.Select(_ => "---|"))}\n");
        foreach (var row in rows)
            md.Append($"| {string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal)))} |\n");
        AtomicFile.WriteAllText(folder.SummaryMarkdown, md.ToString());
        return (finished, jobs.Count);
    }

    private static string Value(JsonObject? metrics, string key) => metrics?[key] switch
    {
        null => "",
        JsonValue v when v.TryGetValue<double>(out var d) => d.ToString("0.####", CultureInfo.InvariantCulture),
        JsonNode n => n.ToString(),
    };

    private static string Csv(string cell) => cell.Contains(',') || cell.Contains('"') ? $"\"{cell.Replace("\"", "\"\"")}\"" : cell;
}
