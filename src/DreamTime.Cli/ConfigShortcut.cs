using System.CommandLine;
using System.Text.Json.Nodes;

namespace DreamTime.Cli;

/// <summary>An option that sets configuration keys (config.json paths) when it is given on the command line.</summary>
public sealed record ConfigShortcut(Option Option, Func<ParseResult, IEnumerable<(string Path, JsonNode? Value)>> Keys)
{
    /// <summary>One key set to one value.</summary>
    public static IEnumerable<(string, JsonNode?)> One<T>(string path, T value) => [(path, JsonValue.Create(value))];
}
