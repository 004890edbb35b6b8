using System.Text.Json;
using System.Text.RegularExpressions;

namespace DreamTime.Configuration;

/// <summary>Turns System.Text.Json's messages into one line that names the key as config.json spells it.</summary>
public static partial class JsonErrors
{
    /// <param name="prefix">the key path of the object being read ("" for the whole file, "guidance" for a section)</param>
    public static string Describe(JsonException e, string prefix = "")
    {
        string first = e.Message.Split('\n')[0];
        // list elements as --set names them: "stages[1].iterations" -> "stages.1.iterations"
        string? path = e.Path is { Length: > 1 } p ? Regex.Replace(p.TrimStart('$').TrimStart('.'), @"\[(\d+)\]", ".$1") : null;
        string key = string.Join('.', new[] { prefix, path ?? "" }.Where(s => s.Length > 0));
        var conversion = ConversionMessage().Match(first);
        if (conversion.Success)
            return $"'{key}' has the wrong type (expected {Friendly(conversion.Groups[1].Value)})";
        var unmapped = UnmappedMessage().Match(first);
        if (unmapped.Success)
            // the path already ends with the unknown property where the reader got that far
            return "unknown key " +
                $"'{(path != null && path.EndsWith(unmapped.Groups[1].Value)
                    ? key
                    : string.Join('.', new[] { key, unmapped.Groups[1].Value }.Where(s => s.Length > 0)))}'";
        // Other messages carry their own position; keep only the sentence.
        var sentence = first.Split(" Path:")[0];
        return key.Length > 0 ? $"'{key}': {sentence}" : sentence;
    }

    private static string Friendly(string type) => type switch
    {
        var t when t.Contains("Double") || t.Contains("Single") => "a number",
        var t when t.Contains("Int32") || t.Contains("Int64") => "an integer",
        var t when t.Contains("Boolean") => "true or false",
        var t when t.Contains("String") => "a string",
        var t when t.Contains("[]") => "an array",
        _ => "an object",
    };

    [GeneratedRegex(@"^The JSON value could not be converted to ([^.]+(?:\.[^.\s]+)*)\.")]
    private static partial Regex ConversionMessage();

    [GeneratedRegex(@"^The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedMessage();
}
