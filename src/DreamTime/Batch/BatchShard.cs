using System.Globalization;
using DreamTime.Runtime;

namespace DreamTime.Batch;

/// <summary>
/// Which jobs one process runs: job i belongs to shard i mod Count. From `--shard-index/--shard-count`, else from
/// a Slurm job array (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN, of SLURM_ARRAY_TASK_COUNT), else from a
/// Kubernetes Indexed Job (JOB_COMPLETION_INDEX, of JOB_COMPLETIONS, which its manifest sets), else all jobs.
/// </summary>
public sealed record BatchShard(int Index, int Count, string Source)
{
    public static BatchShard All { get; } = new(0, 1, "all jobs");

    public bool Owns(int job) => job % Count == Index;

    public static BatchShard Resolve(int? index, int? count, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (index != null || count != null)
        {
            if (index == null || count == null)
                throw new UserError("shard",
                    "give both --shard-index and --shard-count, or neither (then Slurm's or Kubernetes' variables)");
            return Checked(index.Value, count.Value, "--shard-index/--shard-count");
        }
        if (environment("SLURM_ARRAY_TASK_ID") is string id)
        {
            int min = Int(environment, "SLURM_ARRAY_TASK_MIN") ?? 0;
            int n = Int(environment, "SLURM_ARRAY_TASK_COUNT")
                ?? throw new UserError("shard", "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give --shard-count");
            return Checked(Int(environment, "SLURM_ARRAY_TASK_ID")!.Value - min, n, $"Slurm array task {id}");
        }
        if (environment("JOB_COMPLETION_INDEX") is string k)
        {
            int n = Int(environment, "JOB_COMPLETIONS")
                ?? throw new UserError("shard", "JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not; set it in the Job's env or give " +
                    "--shard-count");
            return Checked(Int(environment, "JOB_COMPLETION_INDEX")!.Value, n, $"Kubernetes completion index {k}");
        }
        return All;
    }

    private static int? Int(Func<string, string?> environment, string name) => environment(name) is string s
        ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
            : throw new UserError("shard", $"{name}={s} is not an integer")
        : null;

    private static BatchShard Checked(int index, int count, string source)
    {
        if (count < 1) throw new UserError("shard", $"{source}: shard count {count}; must be 1 or more");
        if (index < 0 || index >= count) throw new UserError("shard", $"{source}: shard index {index} is outside [0, {count})");
        return new BatchShard(index, count, source);
    }
}
