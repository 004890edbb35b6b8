using System.CommandLine;
using DreamTime.Diffusion;
using DreamTime.Runtime;

namespace DreamTime.Cli.Commands;

/// <summary>`dreamtime schedule`: writes a timestep schedule as CSV and/or a plot.</summary>
public static class ScheduleCommand
{
    public static Command Create()
    {
        var cmd = new Command("schedule", "Compute a timestep schedule t(i) for i = 1..N and write it as CSV and/or a plot of W(t), " +
                                          "p(t) and t(i).");
        var opts = new TimestepOptionSet(cmd);
        var csv = new Option<string?>("--csv")
        {
            Description = "Write the schedule as CSV (header 'iteration,t', one row per iteration) to this file.",
        };
        var plot = new Option<string?>("--plot") { Description = "Write a PNG with W(t), p(t) and t(i) to this file." };
        cmd.Options.Add(csv);
        cmd.Options.Add(plot);
        cmd.SetAction(parse =>
        {
            var (options, schedule, iterations, seed) = opts.Read(parse);
            string? csvPath = parse.GetValue(csv), plotPath = parse.GetValue(plot);
            if (csvPath == null && plotPath == null) throw new UserError("schedule: give --csv FILE and/or --plot FILE.png");
            if (csvPath != null) AtomicFile.EnsureWritableFile(csvPath, "--csv");
            if (plotPath != null) AtomicFile.EnsureWritableFile(plotPath, "--plot");
            var strategy = options.Build(schedule, iterations, seed);
            var ts = Enumerable.Range(1, iterations).Select(strategy.TimestepAt).ToArray();
            if (csvPath != null) AtomicFile.WriteAllText(csvPath, ScheduleCsv.Format(ts));
            if (plotPath != null) SchedulePlot.Write(plotPath, options, schedule, ts);
            Console.WriteLine($"{strategy.Name}: {iterations} iterations, t from {ts[0]} to {ts[^1]}" +
                              (csvPath != null ? $", csv {csvPath}" : "") + (plotPath != null ? $", plot {plotPath}" : ""));
            return 0;
        });
        return cmd;
    }
}
