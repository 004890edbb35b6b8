using DreamTime.Geometry;
using DreamTime.Optimization;
using DreamTime.Rendering;
using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Representations;

/// <summary>
/// A 3D representation as the trainer sees it: it renders named outputs (rgb, opacity, depth, normals) for
/// cameras, owns its parameter groups and regularisers, extracts a mesh, and saves and loads itself. The
/// trainer, checkpoints and exports know only this interface, so a new representation (a mesh stage, Gaussians)
/// is one new type plus its registration in <see cref="Configuration.Components"/>.
/// </summary>
public interface IRepresentation : IDisposable
{
    /// <summary>The registered type name ("nerf", ...).</summary>
    string Name { get; }

    /// <summary>Renders one image per camera, differentiably with respect to <see cref="ParameterGroups"/>.</summary>
    RenderOutput Render(RenderRequest request);

    IReadOnlyList<ParameterGroup> ParameterGroups { get; }

    /// <summary>The representation's own weighted loss terms for a training render, by name (only the active ones).</summary>
    IReadOnlyDictionary<string, Tensor> Regularizers(RenderOutput render, int step);

    /// <summary>Hook called at the start of every training step (threestudio's update_step), e.g. for annealing.</summary>
    void UpdateStep(int step) { }

    /// <summary>
    /// Opens a run of renders without gradients between which the parameters stay as they are (an evaluation's views, a
    /// preview's shadings, an export's turntable): until the returned scope is disposed, the representation may compute
    /// what those renders share once (a mesh's surface). The caller changes no parameter inside it.
    /// </summary>
    IDisposable BeginViews() => ScopeExit.None;

    /// <summary>A coloured triangle mesh of the surface (empty when there is none).</summary>
    Mesh ExtractMesh();

    /// <summary>Writes every parameter to a safetensors file, atomically.</summary>
    void Save(string path);

    /// <summary>Fills the parameters from a file written by <see cref="Save"/>; a mismatch is a UserError naming the tensor.</summary>
    void Load(string path);

    void MoveTo(Device device);
}
