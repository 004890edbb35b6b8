using System.CommandLine;
using DreamTime.Runtime;

namespace DreamTime.Cli;

/// <summary>
/// Runs the command line: user errors become one line on stderr and exit code 2; so do file-system failures (a
/// folder deleted under a running command, a full disk, no permission), whose messages name the path; anything
/// else is a bug and keeps its stack trace (exit code 1). Parse errors also exit with 2. A user error about a
/// setting names its key, and the flag that sets it in the command run (<see cref="KeyFlags"/>).
/// </summary>
public static class CliHost
{
    public const int UserErrorExit = 2;

    public static int Run(Command root, string[] args, TextWriter? stderr = null)
    {
        stderr ??= Console.Error;
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) stderr.WriteLine($"error: {e.Message}");
            stderr.WriteLine("Run with --help to see the options.");
            return UserErrorExit;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = stderr });
        }
        catch (Exception e) when (Unwrap(e) is UserError ue)
        {
            stderr.WriteLine($"error: {KeyFlags.Describe(ue, parse.CommandResult.Command).ReplaceLineEndings(" ")}");
            return UserErrorExit;
        }
        catch (Exception e) when (Unwrap(e) is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {Unwrap(e).Message.ReplaceLineEndings(" ")}");
            return UserErrorExit;
        }
    }

    private static Exception Unwrap(Exception e)
    {
        while (e is AggregateException or System.Reflection.TargetInvocationException or TypeInitializationException
               && e.InnerException != null)
            e = e.InnerException!;
        return e;
    }
}
