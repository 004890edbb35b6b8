using System.CommandLine;
using DreamTime.Scenes;

namespace DreamTime.Cli.Commands.Prior;

/// <summary>`dreamtime prior render`: member renders as a grid, or one member as an image-to-3D input picture.</summary>
public static class PriorRenderCommand
{
    public static Command Create()
    {
        var cmd = new Command("render", "Render the first members a prompt selects (rows) from evenly spaced views (columns) into one " +
                                        "PNG grid; with --member, one member from one camera as an image-to-3D input picture (RGBA: " +
                                        "the object's coverage is its alpha).");
        var prompt = new Argument<string>("prompt") { Description = "Prompt such as \"a red mushroom\"; \"\" selects every family." };
        var outPath = new Option<string>("--out") { Description = "PNG file to write.", Required = true };
        var views = new Option<int>("--views")
        {
            Description = "Number of views (columns), at evenly spaced azimuths.",
            DefaultValueFactory = _ => 4,
        };
        var members = new Option<int>("--members")
        {
            Description = "Number of members (rows), the first ones the prompt selects.",
            DefaultValueFactory = _ => 4,
        };
        var size = new Option<int>("--size") { Description = "Side of each rendered view in pixels.", DefaultValueFactory = _ => 128 };
        var elevation = new Option<double>("--elevation") { Description = "Camera elevation in degrees.", DefaultValueFactory = _ => 20 };
        var supersample = new Option<int>("--supersample")
        {
            Description = "Rays per pixel side (1 or more; 2 = 2x2 anti-aliasing).",
            DefaultValueFactory = _ => 2,
        };
        var member = new Option<int?>("--member")
        {
            Description = "Write one input picture instead of the grid: the prompt's N-th member (1 = first), seen from --elevation " +
                          "and --azimuth at the middle of the training cameras' distance and field of view; `generate --image FILE " +
                          "--image-elevation E --image-azimuth A` turns it into 3D.",
            HelpName = "N",
        };
        var azimuth = new Option<double>("--azimuth")
        {
            Description = "With --member: camera azimuth in degrees (0 = the front).",
            DefaultValueFactory = _ => 0,
        };
        var k = PriorOptions.MembersPerFamily();
        var seed = PriorOptions.FamilySeed();
        cmd.Arguments.Add(prompt);
        foreach (var o in new Option[]
                 {
                     outPath, views, members, size, elevation, supersample, member, azimuth, k, seed,
                 })
            cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            string file = p.GetValue(outPath)!, text = p.GetValue(prompt) ?? "";
            int px = p.GetValue(size), ss = p.GetValue(supersample);
            double el = p.GetValue(elevation);
            var lib = new PriorLibrary(p.GetValue(k), p.GetValue(seed));
            if (p.GetValue(member) is int n)
            {
                double az = p.GetValue(azimuth);
                var m = MemberRenders.WritePicture(lib, text, file, n, px, el, az, ss);
                output.WriteLine(FormattableString.Invariant($"{m.Name}: wrote {file} ({px}x{px}, elevation {el}, azimuth {az})"));
                var command = FormattableString.Invariant(
                    $"./dreamtime generate --image {file} --image-elevation {el} --image-azimuth {az}");
                output.WriteLine($"  to 3D: {command}");
                return 0;
            }
            int nViews = p.GetValue(views);
            var (selection, chosen) = MemberRenders.WriteGrid(lib, text, file, nViews, p.GetValue(members), px, el, ss);
            output.WriteLine($"{selection.Describe()}: wrote {chosen.Count} x {nViews} views to {file}");
            foreach (var m in chosen) output.WriteLine($"  {m.Name}");
            return 0;
        });
        return cmd;
    }
}
