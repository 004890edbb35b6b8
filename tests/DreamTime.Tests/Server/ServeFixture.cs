using DreamTime.Server;
using Xunit;

namespace DreamTime.Tests.Server;

/// <summary>One app over a runs folder that holds one short finished run, shared by a test class.</summary>
public sealed class ServeFixture : IAsyncLifetime
{
    public string Root { get; } = Directory.CreateTempSubdirectory("dt-serve-").FullName;
    public ServerApp App { get; private set; } = null!;
    /// <summary>A folder beside the runs folder, with a secret in it that links inside the runs folder point to.</summary>
    public string Outside { get; } = Directory.CreateTempSubdirectory("dt-serve-outside-").FullName;

    public async Task InitializeAsync()
    {
        ServeRuns.Finished(Path.Combine(Root, "mushroom"), iterations: 4);
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), "TOP-SECRET-CONTENT");
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(Root)!, "secret.txt"), "TOP-SECRET-CONTENT");
        Directory.CreateSymbolicLink(Path.Combine(Root, "outside"), Outside);
        File.CreateSymbolicLink(Path.Combine(Root, "outside-file"), Path.Combine(Outside, "secret.txt"));
        App = await ServerApp.StartAsync(new ServeSettings(Root, Port: 0) { Set = ServeRuns.PageSettings });
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        Directory.Delete(Root, true);
        Directory.Delete(Outside, true);
    }
}
