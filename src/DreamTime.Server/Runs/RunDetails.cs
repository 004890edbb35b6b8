using System.Text.Json.Nodes;
using DreamTime.Training;

namespace DreamTime.Server.Runs;

/// <summary>Everything the run page shows: the row, the resolved configuration, the metrics and the run's pictures.</summary>
/// <param name="Files">the run's outputs by kind (previews, curves, turntable, model, ...), relative to the runs folder</param>
public sealed record RunDetails(RunSummary Summary, JsonNode? Config, JsonNode? Metrics, IReadOnlyDictionary<string, object> Files)
{
    public static RunDetails Read(RunCatalog catalog, string folder, RunSummary summary)
    {
        var run = new RunFolder(folder);
        var files = new Dictionary<string, object>();
        void Add(string kind, string path)
        {
            if (File.Exists(path)) files[kind] = catalog.IdOf(path);
        }
        Add("model", run.Glb);
        Add("curves", run.Curves);
        Add("turntable", run.TurntableGif);
        Add("turntableSheet", run.TurntableSheet);
        Add("comparison", run.Comparison);
        Add("inputView", run.InputView);
        Add("meshPreview", run.MeshPreview);
        if (Directory.Exists(run.Previews))
            files["previews"] = Directory.EnumerateFiles(run.Previews, "*.png").Order(StringComparer.Ordinal).TakeLast(4)
                .Select(catalog.IdOf).ToList();
        return new RunDetails(summary, RunCatalog.ReadJson(run.Config), RunCatalog.ReadJson(run.Metrics), files);
    }
}
