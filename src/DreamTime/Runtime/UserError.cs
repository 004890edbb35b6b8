namespace DreamTime.Runtime;

/// <summary>An error caused by the user's input: the CLI prints its message as one line and exits with code 2.</summary>
public sealed class UserError(string message) : Exception(message);
