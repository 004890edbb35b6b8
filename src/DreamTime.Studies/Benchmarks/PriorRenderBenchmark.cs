using System.Diagnostics;
using System.Globalization;
using DreamTime.Rendering;
using DreamTime.Scenes;

namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// `prior bench`: times the analytic renderer on all members of each family (and of all families) for one camera,
/// as wall time and process CPU time (wall time depends on what else runs on the machine; CPU time does not, much).
/// </summary>
public static class PriorRenderBenchmark
{
    /// <summary>The heading line, then one line per family and one for all members: medians of <paramref name="repeats"/>
    /// renders.</summary>
    public static string Run(PriorLibrary lib, int size, int supersample, int repeats)
    {
        MemberRenders.CheckSize(size);
        MemberRenders.CheckSupersample(supersample);
        int n = Math.Max(1, repeats);
        var renderer = new SdfRenderer { Supersample = supersample };
        var sampler = new CameraSampler(new CameraRanges(), 1);
        var output = new StringWriter();
        void Print(string name, IReadOnlyList<FamilyMember> members)
        {
            var scenes = members.Select(m => m.Scene).ToList();
            renderer.Render(scenes, sampler.ForStep(0), size, size); // warm-up
            var runs = Enumerable.Range(1, n).Select(i =>
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                renderer.Render(scenes, sampler.ForStep(i), size, size);
                return (Wall: sw.Elapsed.TotalMilliseconds, Cpu: (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
            }).ToList();
            double wall = runs.Select(r => r.Wall).OrderBy(x => x).ElementAt(n / 2);
            double cpuMs = runs.Select(r => r.Cpu).OrderBy(x => x).ElementAt(n / 2);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-10} {members.Count,3} members  wall {wall,7:F1} ms  cpu {cpuMs,7:F1} ms"));
        }
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
        output.WriteLine(
            $"{size}x{size}, supersample {renderer.Supersample}, {Environment.ProcessorCount} cores, median of {n}; machine load {load}");
        foreach (var f in lib.Families) Print(f.Name, f.Members);
        Print("all", lib.Members);
        return output.ToString();
    }
}
