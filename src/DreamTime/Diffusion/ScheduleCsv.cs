using System.Globalization;
using System.Text;

namespace DreamTime.Diffusion;

/// <summary>A schedule as CSV: header "iteration,t", one row per iteration i = 1..N.</summary>
public static class ScheduleCsv
{
    public static string Format(IReadOnlyList<int> timesteps)
    {
        var sb = new StringBuilder("iteration,t\n");
        for (int i = 0; i < timesteps.Count; i++)
            sb.Append((i + 1).ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(timesteps[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
        return sb.ToString();
    }
}
