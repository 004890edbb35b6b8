using System.CommandLine;
using DreamTime.Scenes;

namespace DreamTime.Cli.Commands.Prior;

/// <summary>`dreamtime prior list`: the families, their attributes and member counts.</summary>
public static class PriorListCommand
{
    public static Command Create()
    {
        var cmd = new Command("list", "Print the families, their attributes (the words a prompt can use) and member counts.");
        var k = PriorOptions.MembersPerFamily();
        var seed = PriorOptions.FamilySeed();
        cmd.Options.Add(k);
        cmd.Options.Add(seed);
        cmd.SetAction(p =>
        {
            p.InvocationConfiguration.Output.Write(FamilyListing.Format(new PriorLibrary(p.GetValue(k), p.GetValue(seed))));
            return 0;
        });
        return cmd;
    }
}
