using DreamTime.Diffusion;
using DreamTime.Runtime;

namespace DreamTime.Cli;

// TODO(next commit): drawn with the Imaging line-plot; refuse until then.
public static class SchedulePlot
{
    public static void Write(string path, TimestepOptions o, NoiseSchedule s, int[] ts) => throw new UserError("--plot: not available yet");
}
