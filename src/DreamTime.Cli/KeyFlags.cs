using System.CommandLine;
using System.Runtime.CompilerServices;
using DreamTime.Runtime;

namespace DreamTime.Cli;

/// <summary>
/// Which option of a command sets a setting: library errors name the setting (<see cref="UserError.Key"/>, a
/// config.json key path or a settings property in snake_case), and the CLI adds the flag where the command has
/// one. A command registers the keys its options set under another name (`generate`'s shortcuts: height and
/// width -> --resolution); a key without dots otherwise maps to the option of the same name (eval_every ->
/// --eval-every) when the command has it.
/// </summary>
public static class KeyFlags
{
    private static readonly ConditionalWeakTable<Command, Dictionary<string, string>> Maps = new();

    /// <summary>Records that <paramref name="option"/> of <paramref name="command"/> sets <paramref name="key"/> (the first option
    /// registered for a key wins).</summary>
    public static void Add(Command command, string key, Option option)
    {
        var map = Maps.GetOrCreateValue(command);
        map.TryAdd(key, option.Name);
    }

    /// <summary>The flag of <paramref name="command"/> that sets <paramref name="key"/>, or null when it has none.</summary>
    public static string? Find(Command command, string key)
    {
        if (Maps.TryGetValue(command, out var map))
        {
            if (map.TryGetValue(key, out var flag)) return flag;
            // a per-stage key ("stages.1.iterations") is set for every stage by an option registered as "stages.*.iterations"
            var anyStage = System.Text.RegularExpressions.Regex.Replace(key, @"^stages\.\d+\.", "stages.*.");
            if (map.TryGetValue(anyStage, out flag)) return flag;
        }
        if (key.Contains('.')) return null;
        var name = "--" + key.Replace('_', '-');
        return command.Options.Any(o => o.Name == name || o.Aliases.Contains(name)) ? name : null;
    }

    /// <summary>The one line the CLI prints for <paramref name="error"/> in <paramref name="command"/>: `key (--flag): detail` where the
    /// command has a flag for the key.</summary>
    public static string Describe(UserError error, Command? command) =>
        error.Key is string key && command != null && Find(command, key) is string flag ? $"{key} ({flag}): {error.Detail}" : error.Message;
}
