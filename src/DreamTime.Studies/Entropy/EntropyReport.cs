using System.Globalization;
using DreamTime.Diffusion;
using DreamTime.Scenes;

namespace DreamTime.Studies.Entropy;

/// <summary>`prior entropy`: <see cref="PosteriorEntropy.Measure"/> on a prompt's members, as a heading line and CSV.</summary>
public static class EntropyReport
{
    /// <param name="temperaturePixels">the posterior temperature as an effective pixel count; 0 or less: untempered (exact)</param>
    public static string Run(PriorLibrary lib, string prompt, int size, int cameras, int samples, double temperaturePixels, int supersample)
    {
        MemberRenders.CheckSize(size);
        MemberRenders.CheckSupersample(supersample);
        var selection = lib.Select(prompt);
        double? kp = temperaturePixels > 0 ? temperaturePixels : null;
        var table = PosteriorEntropy.Measure(selection.Members, NoiseSchedule.StableDiffusion, size, cameras, samples,
            kp, new SdfRenderer { Supersample = supersample }, seed: 0);
        var output = new StringWriter();
        output.WriteLine($"{selection.Describe()}, {size}px, temperature pixels " +
                         $"{(kp is double k ? k.ToString(CultureInfo.InvariantCulture) : "exact")}; max entropy ln K = " +
                         $"{Math.Log(selection.Members.Count):F3}");
        output.WriteLine("t,alpha_bar,mean_entropy,mean_top_weight,top_is_true_member");
        foreach (var row in table)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.T},{row.AlphaBar:F5},{row.MeanEntropy:F4},{row.MeanTopWeight:F4},{row.TopIsTrue:F3}"));
        return output.ToString();
    }
}
