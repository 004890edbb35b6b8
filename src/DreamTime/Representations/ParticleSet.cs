using DreamTime.Geometry;
using DreamTime.Optimization;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Representations;

/// <summary>
/// Several independent representations of one stage trained at once (ProlificDreamer's particles, which share
/// the guidance and so, under VSD, one LoRA). A training render of N x b cameras gives each particle its own b
/// consecutive cameras; a render of fewer cameras than particles (an evaluation view, a preview, an export) is
/// drawn by the <see cref="Active"/> particle. Each particle keeps its own parameter groups ("p{k}.{group}"),
/// regularisers and checkpoint file.
/// </summary>
public sealed class ParticleSet : IRepresentation
{
    private readonly List<IRepresentation> _members;
    private RenderOutput? _lastRender;
    private List<RenderOutput>? _lastParts;

    public ParticleSet(IReadOnlyList<IRepresentation> members)
    {
        if (members.Count < 2) throw new ArgumentException("a particle set needs two particles or more", nameof(members));
        _members = members.ToList();
        ParameterGroups = _members.SelectMany((m, k) => m.ParameterGroups.Select(g => g with { Name = $"p{k}.{g.Name}" })).ToList();
    }

    public IReadOnlyList<IRepresentation> Members => _members;
    public int Count => _members.Count;
    /// <summary>The particle that draws renders of fewer cameras than there are particles.</summary>
    public int Active { get; set; }
    public IRepresentation ActiveMember => _members[Active];

    public string Name => _members[0].Name;
    public IReadOnlyList<ParameterGroup> ParameterGroups { get; }

    public RenderOutput Render(RenderRequest request)
    {
        int n = request.Cameras.Count;
        if (n < Count) return ActiveMember.Render(request);
        if (n % Count != 0)
            throw new ArgumentException($"{n} cameras for {Count} particles: a training batch gives each particle the same number");
        int per = n / Count;
        var parts = _members.Select((m, k) => m.Render(request with { Cameras = request.Cameras.Skip(k * per).Take(per).ToList() }))
            .ToList();
        Tensor Cat(Func<RenderOutput, Tensor> field) => torch.cat(parts.Select(field).ToArray(), 0);
        var combined = new RenderOutput(Cat(p => p.Rgb), Cat(p => p.Opacity), Cat(p => p.Depth), Cat(p => p.Normal),
            Cat(p => p.Background));
        _lastRender = combined;
        _lastParts = parts;
        return combined;
    }

    /// <summary>Each particle's regularisers on its own part of the render, summed by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Regularizers(RenderOutput render, int step)
    {
        if (!ReferenceEquals(render, _lastRender) || _lastParts is null)
            throw new InvalidOperationException("the particles' regularisers need the training render the set itself made last");
        var terms = new Dictionary<string, Tensor>();
        for (int k = 0; k < Count; k++)
            foreach (var (name, value) in _members[k].Regularizers(_lastParts[k], step))
                terms[name] = terms.TryGetValue(name, out var sum) ? sum.Plus(value) : value;
        return terms;
    }

    public void UpdateStep(int step)
    {
        foreach (var m in _members) m.UpdateStep(step);
    }

    public Mesh ExtractMesh() => ActiveMember.ExtractMesh();

    public IDisposable BeginViews()
    {
        var scopes = _members.Select(m => m.BeginViews()).ToList();
        return new ScopeExit(() => scopes.ForEach(s => s.Dispose()));
    }

    /// <summary>The file particle k keeps beside <paramref name="path"/> (particle 0 keeps the path itself).</summary>
    public static string MemberPath(string path, int k) =>
        k == 0 ? path
            : Path.Combine(Path.GetDirectoryName(path) ?? "", $"{Path.GetFileNameWithoutExtension(path)}.p{k}{Path.GetExtension(path)}");

    public void Save(string path)
    {
        for (int k = 0; k < Count; k++) _members[k].Save(MemberPath(path, k));
    }

    public void Load(string path)
    {
        for (int k = 0; k < Count; k++)
        {
            var file = MemberPath(path, k);
            if (!File.Exists(file)) throw new UserError($"checkpoint file {file} is missing (the run trains {Count} particles)");
            _members[k].Load(file);
        }
    }

    public void MoveTo(Device device)
    {
        foreach (var m in _members) m.MoveTo(device);
    }

    public void Dispose()
    {
        foreach (var m in _members) m.Dispose();
    }
}
