using System.CommandLine;
using System.Text.Json.Nodes;
using DreamTime.Configuration;

namespace DreamTime.Cli;

/// <summary>
/// `--config FILE` and `--set KEY=VALUE`, shared by `generate` and `compare`, and the one way both build their
/// configuration: the command's defaults (or --config FILE), then the shortcut options given, then each --set in order.
/// </summary>
public sealed class ConfigOptionSet
{
    public readonly Option<string?> Config = new("--config")
    {
        Description = "Start from this configuration (the config.json format a run folder holds) instead of the defaults; options " +
                      "given beside it override it.",
        HelpName = "FILE",
    };

    public readonly Option<string[]> Set = new("--set")
    {
        Description = "Change any configuration key, e.g. --set guidance.guidance_scale=2 --set representation.field.hash_levels=12 " +
                      "(applied last, in order; see a run's config.json for the keys).",
        AllowMultipleArgumentsPerToken = true,
        HelpName = "KEY=VALUE",
    };

    public ConfigOptionSet(Command cmd)
    {
        cmd.Options.Add(Config);
        cmd.Options.Add(Set);
    }

    /// <summary>Whether --config FILE was given.</summary>
    public bool FileGiven(ParseResult p) => p.GetValue(Config) != null;

    /// <summary>
    /// The configuration as a JSON tree: <paramref name="defaults"/> (or the --config file), then
    /// <paramref name="edit"/> (e.g. the prompt argument), then every shortcut whose option was given, then --set.
    /// </summary>
    public JsonObject BuildTree(ParseResult p, Func<JsonObject> defaults, IEnumerable<ConfigShortcut> shortcuts,
                                Action<JsonObject>? edit = null)
    {
        var tree = p.GetValue(Config) is string file ? ConfigOverrides.Load(file, "--config") : defaults();
        edit?.Invoke(tree);
        foreach (var s in shortcuts.Where(s => p.GetResult(s.Option) is { Implicit: false }))
            foreach (var (path, value) in s.Keys(p))
                ConfigOverrides.Set(tree, path, value, s.Option.Name);
        foreach (var assignment in p.GetValue(Set) ?? []) ConfigOverrides.Apply(tree, assignment, "--set");
        return tree;
    }

    /// <summary>The configuration <see cref="BuildTree"/> describes, read as a <see cref="TrainConfig"/>.</summary>
    public TrainConfig Build(ParseResult p, Func<JsonObject> defaults, IEnumerable<ConfigShortcut> shortcuts,
                             Action<JsonObject>? edit = null) =>
        TrainConfig.FromJson(BuildTree(p, defaults, shortcuts, edit), p.GetValue(Config) ?? "configuration");
}
