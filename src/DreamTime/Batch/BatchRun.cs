using System.Text.Json.Nodes;
using DreamTime.Runtime;
using DreamTime.Training;

namespace DreamTime.Batch;

/// <summary>
/// `dreamtime batch`: runs this shard's jobs of a jobs file, one `generate` run folder per job. Every job's
/// configuration is built and checked before any starts; a finished job (its metrics.json written) is skipped, an
/// interrupted one resumed from its checkpoint, so running a shard again completes it. A job folder that another
/// process holds (two shards given one index) is left to it; a job that diverges is reported and the next starts.
/// </summary>
public static class BatchRun
{
    /// <param name="device">every job's device (cpu, cuda, cuda:N); null = the configuration's default</param>
    public static BatchOutcome Run(string jobsFile, string outDir, BatchShard shard, IRunObserver observer, CancellationToken cancel,
        string? device = null)
    {
        var jobs = BatchJobsFile.Read(jobsFile);
        var configs = jobs.Select(j => j.ToConfig(jobsFile, device)).ToList();
        var folder = new BatchFolder(outDir);
        ClaimFolder(folder, jobs);
        var mine = Enumerable.Range(0, jobs.Count).Where(shard.Owns).ToList();
        observer.Log($"batch {jobsFile}: {jobs.Count} jobs, {mine.Count} in this shard ({shard.Source}: {shard.Index} of {shard.Count})");
        int trained = 0, done = 0, held = 0, diverged = 0;
        foreach (int i in mine)
        {
            if (cancel.IsCancellationRequested) return new(trained, done, held, diverged, true);
            var run = new RunFolder(folder.Job(jobs[i], i));
            if (File.Exists(run.Metrics))
            {
                done++;
                continue;
            }
            if (run.IsHeld())
            {
                observer.Log($"job {i} (line {jobs[i].Line}): {run.Root} is held by another process; left to it");
                held++;
                continue;
            }
            bool resume = Directory.Exists(run.Checkpoints) && Directory.EnumerateFileSystemEntries(run.Checkpoints).Any();
            observer.Log($"job {i} (line {jobs[i].Line}): {(resume ? "resuming" : "starting")} {run.Root}");
            try
            {
                using var generation = resume
                    ? GenerationRun.Resume(run.Root, new ResumeOverrides(device, null), observer)
                    : GenerationRun.Start(configs[i], run.Root, overwrite: true, observer);
                if (generation.Run(cancel) == SessionOutcome.Interrupted) return new(trained, done, held, diverged, true);
                trained++;
            }
            catch (TrainingDivergedException e)
            {
                observer.Log($"job {i} (line {jobs[i].Line}): {e.Message}");
                diverged++;
            }
        }
        return new(trained, done, held, diverged, false);
    }

    /// <summary>Writes the normalised job list, or checks that the folder's is this one: two batches must not share a folder.</summary>
    private static void ClaimFolder(BatchFolder folder, IReadOnlyList<BatchJob> jobs)
    {
        var text = string.Concat(jobs.Select(j => j.ToJson().ToJsonString() + "\n"));
        if (File.Exists(folder.Jobs))
        {
            if (File.ReadAllText(folder.Jobs) != text)
                throw new UserError($"batch folder {folder.Root}: holds another batch (its batch.jsonl differs from these jobs); " +
                    "give another " +
                    "--out, or the same jobs file");
            return;
        }
        AtomicFile.EnsureWritableFolder(folder.Root, "batch folder");
        AtomicFile.WriteAllText(folder.Jobs, text);
    }

    /// <summary>The jobs a batch folder holds, read back from its batch.jsonl.</summary>
    public static IReadOnlyList<BatchJob> JobsOf(BatchFolder folder)
    {
        if (!File.Exists(folder.Jobs)) throw new UserError($"batch folder {folder.Root}: no batch.jsonl; not a batch folder");
        return File.ReadAllLines(folder.Jobs).Where(l => l.Length > 0).Select(l =>
        {
            var o = JsonNode.Parse(l)!.AsObject();
            return new BatchJob((int)o["line"]!, (string?)o["prompt"], (string?)o["image"], (string?)o["pipeline"], (string?)o["strategy"],
                (long?)o["seed"], (int?)o["iterations"], o["set"]?.AsArray().Select(n => (string)n!).ToList() ?? []);
        }).ToList();
    }
}
