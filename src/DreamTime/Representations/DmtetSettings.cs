using DreamTime.Representations.Nerf;
using DreamTime.Runtime;

namespace DreamTime.Representations;

/// <summary>
/// A DMTet mesh (Magic3D's refinement, Fantasia3D's geometry): a signed distance and a bounded offset per vertex of a
/// tetrahedral grid, made into triangles by marching tetrahedra at every render, and a 3D texture field queried at the
/// rasterised surface points. Built from the previous stage's NeRF (init "previous"), a sphere or an ellipsoid, or a
/// mesh file.
/// </summary>
public sealed record DmtetSettings : RepresentationSettings
{
    public static readonly string[] InitNames = ["previous", "sphere", "ellipsoid", "mesh"];
    public static readonly string[] SdfFieldNames = ["vertices", "hash"];

    /// <summary>How the surface starts: "previous" (the stage before's NeRF or mesh), "sphere", "ellipsoid" or "mesh".</summary>
    public string Init { get; init; } = "previous";
    /// <summary>init "mesh": a GLB or OBJ file, centred and scaled to fit <see cref="Bound"/> (a user's mesh to refine).</summary>
    public string MeshFile { get; init; } = "";
    /// <summary>Cubes per side of the tetrahedral grid (6 tets per cube).</summary>
    public int GridResolution { get; init; } = 64;
    /// <summary>How the signed distance is parametrised: "vertices" (one value per grid vertex, DMTet's and Magic3D's) or
    /// "hash" (Fantasia3D's: the start shape's SDF plus a hash grid and MLP's correction, lr_sdf being that field's rate).
    /// From a sphere on the built-in prior, SDS on per-vertex values barely moves the surface (at higher rates it breaks into
    /// noise), and the hash field, at lr_sdf 0.0003 to 0.01, swelled it instead (docs/studies/mesh-pipelines.md).</summary>
    public string SdfField { get; init; } = "vertices";
    /// <summary>init "previous" from a NeRF: the density iso-level of the surface; null = automatic: the level whose mesh
    /// silhouettes best match the NeRF's own opacity from the evaluation views (threestudio's mean of the densities above
    /// 1e-5 leaves holes or floaters: threestudio #45, #52; on "a red mushroom" it gave mask IoU 0.78 against 0.88).</summary>
    public double? Threshold { get; init; }
    /// <summary>init "previous" from a NeRF: the width (in cells of a 64-cell grid over the NeRF's bound) of the Gaussian
    /// that smooths the density before the surface is taken from it; 0 = none. A full cell trims thin parts: on seed 0 of
    /// the mesh-pipelines study's prompts (TP-SDS, 300 refinement steps) the exported asset scored 27.34 / 24.48 / 24.50 dB
    /// (mushroom, snowman, chair) at 1 and 29.27 / 25.82 / 26.67 at 0.25 (0: 29.33 on the mushroom).</summary>
    public double Smoothing { get; init; } = 0.25;
    /// <summary>init "sphere": its radius; init "ellipsoid": radii along x, y, z.</summary>
    public double Radius { get; init; } = 0.5;
    public double[] Radii { get; init; } = [0.45, 0.45, 0.6];
    /// <summary>Half the side of the grid's cube when it is not fitted to the previous stage's surface.</summary>
    public double Bound { get; init; } = 1.0;
    /// <summary>The texture field (hash grid and colour MLP); ignored when it is inherited from the previous stage.</summary>
    public NerfConfig Field { get; init; } = new();
    // Measured on "a red mushroom" (300 coarse steps, 200 refine at 128x128): 0.01 for both: 21.8 dB, mesh 23.0; 0.05: 23.3 dB, mesh 24.1.
    public double LrSdf { get; init; } = 0.05;
    public double LrDeformation { get; init; } = 0.05;
    public double LrTexture { get; init; } = 0.01;
    public double LrBackground { get; init; } = 0.01;
    /// <summary>Weight of 1 - cos between the normals of faces sharing an edge (smooth, fold-free surfaces).</summary>
    public double LambdaNormalConsistency { get; init; } = 1.0;
    /// <summary>Weight of the uniform Laplacian of the surface vertices (each vertex near its neighbours' mean).</summary>
    public double LambdaLaplacian { get; init; } = 0.0;
    /// <summary>"albedo" (Lambert under the scene's light, as the built-in prior's members) or "pbr" (Fantasia3D's albedo,
    /// roughness and metallic under that light read as an environment: <see cref="Rendering.PbrShading"/>).</summary>
    public string Material { get; init; } = "albedo";
    /// <summary>Keep the surface as built (Fantasia3D's appearance stage): only the texture and background are optimised.</summary>
    public bool FreezeGeometry { get; init; } = false;
    /// <summary>Render flat-shaded by face normals (true) or smooth by interpolated vertex normals.</summary>
    public bool FlatShading { get; init; } = false;

    public override void Validate()
    {
        if (!InitNames.Contains(Init)) throw new UserError("init", $"{Init}: unknown; allowed: {string.Join(", ", InitNames)}");
        if (Init == "mesh" && string.IsNullOrWhiteSpace(MeshFile))
            throw new UserError("mesh_file", "is empty; init \"mesh\" needs a GLB or OBJ file to start from");
        if (!SdfFieldNames.Contains(SdfField))
            throw new UserError("sdf_field", $"{SdfField}: unknown; allowed: {string.Join(", ", SdfFieldNames)}");
        if (Material is not ("albedo" or "pbr")) throw new UserError("material", $"{Material}: unknown; allowed: albedo, pbr");
        if (GridResolution < 8 || GridResolution > 128)
            throw new UserError("grid_resolution", $"is {GridResolution}; must be in [8, 128]");
        if (Threshold is double t && !double.IsFinite(t))
            throw new UserError("threshold", $"is {t}; must be a finite number (or null = auto)");
        if (!(Radius > 0 && Radius < Bound)) throw new UserError("radius", $"is {Radius}; must be in (0, bound = {Bound})");
        if (Radii is null || Radii.Length != 3 || Radii.Any(r => !(r > 0 && r < Bound)))
            throw new UserError("radii", $"must be three radii in (0, bound = {Bound})");
        if (!(Smoothing >= 0 && Smoothing <= 8)) throw new UserError("smoothing", $"is {Smoothing}; must be in [0, 8]");
        if (!(Bound > 0 && Bound <= 4)) throw new UserError("bound", $"is {Bound}; must be in (0, 4]");
        if (Field is null) throw new UserError("field", "is null; give it a value or remove the key to use the default");
        foreach (var (key, v) in new[] { ("lr_sdf", LrSdf), ("lr_deformation", LrDeformation), ("lr_texture", LrTexture),
            ("lr_background", LrBackground) })
            if (!(v >= 0 && v < 10)) throw new UserError(key, $"is {v}; must be in [0, 10)");
        foreach (var (key, v) in new[] { ("lambda_normal_consistency", LambdaNormalConsistency), ("lambda_laplacian", LambdaLaplacian) })
            if (!(v >= 0 && double.IsFinite(v))) throw new UserError(key, $"is {v}; must be a finite number >= 0");
    }

    public override void CheckPrevious(RepresentationSettings? previous)
    {
        if (Init == "previous" && previous is not (NerfSettings or DmtetSettings))
            throw new UserError("init", previous is null
                ? "is \"previous\" but this is the first stage; start it from \"sphere\", \"ellipsoid\" or \"mesh\""
                : "is \"previous\" but the stage before is not a NeRF or a DMTet mesh");
    }
}
