namespace DreamTime.Server;

/// <summary>What `dreamtime serve` was started with.</summary>
/// <param name="RunsFolder">the folder whose runs are listed and into which new runs are written</param>
/// <param name="Host">the address to listen on: 127.0.0.1 by default; any other needs <paramref name="Token"/></param>
/// <param name="Port">0 picks a free port</param>
/// <param name="Token">the access token; null on a loopback host means none is asked for</param>
/// <param name="Device">the device of runs started from the page (cpu, cuda, cuda:N); null = the configuration's default</param>
/// <param name="MaxUploadBytes">the largest picture the page may upload</param>
public sealed record ServeSettings(string RunsFolder, string Host = "127.0.0.1", int Port = 8080, string? Token = null,
    string? Device = null, long MaxUploadBytes = 8 << 20)
{
    /// <summary>KEY=VALUE configuration pairs applied to every run started from the page (as `generate --set`).</summary>
    public IReadOnlyList<string> Set { get; init; } = [];

    /// <summary>Loopback hosts are reachable only from this machine, so a token is optional there.</summary>
    public bool IsLoopback => Host is "127.0.0.1" or "localhost" or "::1" or "[::1]";
}
