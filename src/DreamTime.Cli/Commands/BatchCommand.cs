using System.CommandLine;
using DreamTime.Batch;

namespace DreamTime.Cli.Commands;

/// <summary>`dreamtime batch JOBS --out DIR` and `dreamtime batch summarize DIR` (<see cref="BatchRun"/>,
/// <see cref="BatchSummary"/>).</summary>
public static class BatchCommand
{
    public static Command Create()
    {
        var jobs = new Argument<string>("JOBS")
        {
            Description = "A text file of prompts, one per line, or a .jsonl file of jobs ({\"prompt\" or \"image\", \"pipeline\", " +
                          "\"strategy\", \"seed\", \"iterations\", \"set\": [\"KEY=VALUE\", ...]} per line).",
        };
        var outDir = new Option<string>("--out")
        {
            Description = "The batch folder: batch.jsonl, jobs/NNNN-PROMPT/ (one run folder per job).",
            Required = true,
        };
        var index = new Option<int?>("--shard-index")
        {
            Description = "This process's shard (job i runs in shard i mod count); default: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.",
        };
        var count = new Option<int?>("--shard-count")
        {
            Description = "The number of shards; default: SLURM_ARRAY_TASK_COUNT or JOB_COMPLETIONS (else one shard: every job).",
        };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N for every job (default: cpu)." };
        var cmd = new Command("batch", "Run many generate jobs (prompts, or JSONL jobs with their own options), sharded across processes " +
                                       "or a Slurm job array or Kubernetes Indexed Job. Finished jobs are skipped, interrupted ones " +
                                       "resumed: run a shard again to complete it. `batch summarize DIR` writes one table of every job.");
        cmd.Arguments.Add(jobs);
        foreach (var o in new Option[] { outDir, index, count, device }) cmd.Options.Add(o);
        KeyFlags.Add(cmd, "shard", index);
        cmd.SetAction(p =>
        {
            var err = p.InvocationConfiguration.Error;
            var observer = new ProgressObserver(err);
            using var cancel = new CancellationTokenSource();
            using var signals = new StopSignals(cancel, Console.Error);
            var shard = BatchShard.Resolve(p.GetValue(index), p.GetValue(count));
            var outcome = BatchRun.Run(p.GetValue(jobs)!, p.GetValue(outDir)!, shard, observer, cancel.Token, p.GetValue(device));
            p.InvocationConfiguration.Output.WriteLine($"shard {shard.Index} of {shard.Count}: {outcome.Trained} trained, " +
                $"{outcome.AlreadyDone} already done, {outcome.Held} held by another process, {outcome.Diverged} diverged");
            if (outcome.Interrupted) return GenerateCommand.InterruptedExit;
            if (outcome.Diverged > 0) return GenerateCommand.DivergedExit;
            return outcome.Held > 0 ? 4 : 0;
        });
        cmd.Subcommands.Add(Summarize());
        return cmd;
    }

    private static Command Summarize()
    {
        var dir = new Argument<string>("DIR") { Description = "A batch folder (the --out of `batch`)." };
        var cmd = new Command("summarize", "Write summary.csv and summary.md: every job of a batch folder, its state and its metrics.");
        cmd.Arguments.Add(dir);
        cmd.SetAction(p =>
        {
            var (finished, total) = BatchSummary.Write(p.GetValue(dir)!);
            var folder = new BatchFolder(p.GetValue(dir)!);
            p.InvocationConfiguration.Output.WriteLine(
                $"{finished} of {total} jobs finished: {folder.SummaryCsv}, {folder.SummaryMarkdown}");
            if (finished < total) p.InvocationConfiguration.Error.WriteLine($"warning: {total - finished} jobs have not finished");
            return finished == total ? 0 : 4;
        });
        return cmd;
    }
}
