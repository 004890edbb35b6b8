namespace DreamTime.Batch;

/// <summary>What `batch` writes: the normalised job list every shard checks, one run folder per job, the summary.</summary>
public sealed class BatchFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string Jobs => Path.Combine(Root, "batch.jsonl");
    public string Job(BatchJob job, int index) => Path.Combine(Root, "jobs", job.FolderName(index));
    public string SummaryCsv => Path.Combine(Root, "summary.csv");
    public string SummaryMarkdown => Path.Combine(Root, "summary.md");
}
