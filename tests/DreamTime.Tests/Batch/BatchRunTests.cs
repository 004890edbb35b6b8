using DreamTime.Batch;
using DreamTime.Runtime;
using DreamTime.Training;
using Xunit;

namespace DreamTime.Tests.Batch;

public sealed class BatchRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-batch-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Settings that make a job a few seconds' work.</summary>
    private const string Small = "\"pipeline\": \"dreamfusion\", \"iterations\": 3, " +
        "\"set\": [\"stages.0.height=16\", \"stages.0.width=16\", " +
        "\"stages.0.representation.mesh_resolution=24\", \"stages.0.representation.field.hash_levels=4\", " +
        "\"stages.0.representation.field.log2_table_size=12\", \"eval_resolution=16\", \"turntable_frames=2\", " +
        "\"turntable_resolution=16\", \"preview_every=0\", \"checkpoint_every=1\"]";

    private string Jobs(params string[] lines)
    {
        var path = Path.Combine(_dir, "jobs.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private sealed class Observer(int? cancelAtStep = null) : IRunObserver
    {
        public CancellationTokenSource Cancel { get; } = new();
        public List<string> Lines { get; } = new();
        public void Log(string message) => Lines.Add(message);
        public void StepCompleted(StepRecord record, int last)
        {
            if (record.Step == cancelAtStep) Cancel.Cancel();
        }
    }

    [Fact]
    public void ShardsSplitTheJobsAndASecondRunFinishesWhatWasInterrupted()
    {
        var jobs = Jobs($"{{\"prompt\": \"a red mushroom\", {Small}}}", "# a comment",
            $"{{\"prompt\": \"a snowman\", \"seed\": 2, {Small}}}",
            $"{{\"prompt\": \"a chair\", {Small}}}");
        var outDir = Path.Combine(_dir, "out");
        // shard 1 of 2 owns job 1 only; it is stopped at its second step
        var stopping = new Observer(cancelAtStep: 2);
        var first = BatchRun.Run(jobs, outDir, new BatchShard(1, 2, "test"), stopping, stopping.Cancel.Token);
        Assert.True(first.Interrupted);
        var again = BatchRun.Run(jobs, outDir, new BatchShard(1, 2, "test"), new Observer(), CancellationToken.None);
        Assert.Equal(new BatchOutcome(1, 0, 0, 0, false), again);
        var other = BatchRun.Run(jobs, outDir, new BatchShard(0, 2, "test"), new Observer(), CancellationToken.None);
        Assert.Equal(new BatchOutcome(2, 0, 0, 0, false), other);
        Assert.Equal(new BatchOutcome(0, 3, 0, 0, false),
            BatchRun.Run(jobs, outDir, BatchShard.All, new Observer(), CancellationToken.None));

        var folder = new BatchFolder(outDir);
        var snowman = new RunFolder(Path.Combine(outDir, "jobs", "0001-a-snowman"));
        Assert.True(File.Exists(snowman.Metrics));
        Assert.Contains("\"seed\": 2", File.ReadAllText(snowman.Config));
        var (finished, total) = BatchSummary.Write(outDir);
        Assert.Equal((3, 3), (finished, total));
        var csv = File.ReadAllLines(folder.SummaryCsv);
        Assert.Equal(4, csv.Length);
        Assert.StartsWith("job,line,subject,pipeline,strategy,seed,status,psnr", csv[0]);
        Assert.Contains(csv, l => l.StartsWith("1,3,a snowman,dreamfusion,tp-sds,2,done,", StringComparison.Ordinal));
    }

    [Fact]
    public void ABadLineIsNamedAndNoJobStarts()
    {
        var outDir = Path.Combine(_dir, "bad");
        foreach (var (line, expected) in new[]
                 {
                     ("{\"prompt\": \"a red mushroom\", \"colour\": 3}", ":2: unknown key \"colour\""),
                     ("{\"prompt\": \"a red mushroom\", \"seed\": \"x\"}", ":2: \"seed\" must be an integer"),
                     ("{\"prompt\": \"a red mushroom\", \"set\": [\"stages.0.iterations=-4\"]}", ":2: stages.0.iterations"),
                     ("{\"prompt\": \"a flying saucer\"}", ":2: "),
                     ("not json", ":2: invalid JSON"),
                 })
        {
            var jobs = Jobs($"{{\"prompt\": \"a snowman\", {Small}}}", line);
            var e = Assert.Throws<UserError>(() => BatchRun.Run(jobs, outDir, BatchShard.All, new Observer(), CancellationToken.None));
            Assert.Contains(jobs + expected, e.Message);
            Assert.False(Directory.Exists(outDir), line);
        }
    }

    [Fact]
    public void AJobHeldByAnotherProcessIsLeftToIt()
    {
        var jobs = Jobs($"{{\"prompt\": \"a red mushroom\", {Small}}}");
        var outDir = Path.Combine(_dir, "held");
        var job = new RunFolder(Path.Combine(outDir, "jobs", "0000-a-red-mushroom"));
        Directory.CreateDirectory(job.Root);
        using (job.Lock())
            Assert.Equal(new BatchOutcome(0, 0, 1, 0, false),
                BatchRun.Run(jobs, outDir, BatchShard.All, new Observer(), CancellationToken.None));
        // another batch may not share the folder
        var other = Jobs($"{{\"prompt\": \"a chair\", {Small}}}");
        Assert.Contains("holds another batch", Assert.Throws<UserError>(() =>
            BatchRun.Run(other, outDir, BatchShard.All, new Observer(), CancellationToken.None)).Message);
    }

    [Fact]
    public void ShardsComeFromTheOptionsSlurmOrKubernetes()
    {
        Dictionary<string, string> env = new();
        string? Env(string k) => env.GetValueOrDefault(k);
        Assert.Equal(BatchShard.All, BatchShard.Resolve(null, null, Env));
        Assert.Equal((2, 4), Pair(BatchShard.Resolve(2, 4, Env)));
        env["SLURM_ARRAY_TASK_ID"] = "5";
        env["SLURM_ARRAY_TASK_MIN"] = "4";
        env["SLURM_ARRAY_TASK_COUNT"] = "3";
        Assert.Equal((1, 3), Pair(BatchShard.Resolve(null, null, Env)));
        env.Clear();
        env["JOB_COMPLETION_INDEX"] = "0";
        Assert.Equal("shard", Assert.Throws<UserError>(() => BatchShard.Resolve(null, null, Env)).Key);
        env["JOB_COMPLETIONS"] = "2";
        Assert.Equal((0, 2), Pair(BatchShard.Resolve(null, null, Env)));
        Assert.Contains("outside [0, 4)", Assert.Throws<UserError>(() => BatchShard.Resolve(4, 4, Env)).Message);
        Assert.Throws<UserError>(() => BatchShard.Resolve(1, null, Env));
    }

    private static (int, int) Pair(BatchShard s) => (s.Index, s.Count);

    [Fact]
    public void PlainTextJobsAreOnePromptPerLine()
    {
        var path = Path.Combine(_dir, "jobs.txt");
        File.WriteAllLines(path, ["a red mushroom", "", "# later", "  a snowman  "]);
        var jobs = BatchJobsFile.Read(path);
        Assert.Equal([("a red mushroom", 1), ("a snowman", 4)], jobs.Select(j => (j.Prompt!.Trim(), j.Line)));
        Assert.Equal("0001-a-snowman", jobs[1].FolderName(1));
        File.WriteAllLines(path, ["# nothing"]);
        Assert.Contains("no jobs", Assert.Throws<UserError>(() => BatchJobsFile.Read(path)).Message);
    }
}
