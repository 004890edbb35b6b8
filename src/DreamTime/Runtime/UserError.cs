namespace DreamTime.Runtime;

/// <summary>
/// An error caused by the user's input: the CLI prints its message as one line and exits with code 2. When the
/// input is a setting, <see cref="Key"/> names it as config.json spells it (`guidance.guidance_scale`), or as the
/// snake_case name of the settings property for inputs that are not config keys; the message then starts with the
/// key, and the CLI adds the command-line flag that sets it where one exists.
/// </summary>
public sealed class UserError : Exception
{
    /// <summary>The setting at fault (a config key path), or null when the error is not about one setting.</summary>
    public string? Key { get; }
    /// <summary>The message without the key.</summary>
    public string Detail { get; }

    public UserError(string message) : base(message) => Detail = message;

    public UserError(string key, string detail) : base($"{key}: {detail}")
    {
        Key = key;
        Detail = detail;
    }

    /// <summary>The same error with its key moved under <paramref name="section"/>
    /// (`resolution` -> `guidance.resolution`); a keyless error is returned as it is.</summary>
    public UserError Within(string section) => Key is null ? this : new($"{section}.{Key}", Detail);

    /// <summary>Runs <paramref name="check"/>, moving the key of any UserError it throws under <paramref name="section"/>.</summary>
    public static void InSection(string section, Action check)
    {
        try { check(); }
        catch (UserError e) when (e.Key != null) { throw e.Within(section); }
    }

    /// <inheritdoc cref="InSection(string, Action)"/>
    public static T InSection<T>(string section, Func<T> make)
    {
        try { return make(); }
        catch (UserError e) when (e.Key != null) { throw e.Within(section); }
    }
}
