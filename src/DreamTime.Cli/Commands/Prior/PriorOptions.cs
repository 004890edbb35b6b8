using System.CommandLine;
using DreamTime.Scenes;

namespace DreamTime.Cli.Commands.Prior;

/// <summary>Options shared by the `prior` subcommands that build their own family library.</summary>
public static class PriorOptions
{
    public static Option<int> MembersPerFamily() => new("--members-per-family")
    {
        Description = "Members K of each family (1-256).",
        DefaultValueFactory = _ => PriorLibrary.DefaultMembersPerFamily,
    };

    public static Option<int> FamilySeed() => new("--family-seed")
    {
        Description = "Seed of the family generators (members are fixed for a fixed seed).",
        DefaultValueFactory = _ => PriorLibrary.DefaultSeed,
    };
}
