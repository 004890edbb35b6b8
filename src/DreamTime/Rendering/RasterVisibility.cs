using System.Numerics;

namespace DreamTime.Rendering;

/// <summary>
/// The non-differentiable half of <see cref="DifferentiableRasterizer.Rasterize"/>, on CPU arrays: for each camera the
/// z-buffer of the mesh (<see cref="TriangleSetup"/> and <see cref="ZBuffer"/>, the very code
/// <see cref="MeshRasterizer"/> draws with, so both see the same face at every pixel) and the vertices in camera space,
/// which <see cref="AntialiasAnalysis"/> reads again.
/// </summary>
internal sealed class RasterVisibility
{
    public int Batch => Views.Length;
    public int Height { get; }
    public int Width { get; }
    public int VertexCount { get; }
    /// <summary>Three vertex indices per face.</summary>
    public int[] Faces { get; }
    public RasterView[] Views { get; }
    /// <summary>Per camera, the focal length in pixels in double precision (<see cref="Camera.FocalPixels"/>).</summary>
    public double[] Focal { get; }
    /// <summary>Per camera, every vertex in camera space (x right, y up, z depth).</summary>
    public Vector3[][] CameraVertices { get; }
    /// <summary>[B*H*W] the face seen at each pixel centre, -1 for none.</summary>
    public int[] TriangleId { get; }
    /// <summary>[B*H*W] camera-space depth of the point seen, 0 for none.</summary>
    public float[] Depth { get; }

    private TriangleAdjacency? _adjacency;

    private RasterVisibility(int height, int width, int vertexCount, int[] faces, RasterView[] views, double[] focal,
        Vector3[][] cameraVertices, int[] triangleId, float[] depth)
    {
        Height = height; Width = width; VertexCount = vertexCount; Faces = faces; Views = views; Focal = focal;
        CameraVertices = cameraVertices; TriangleId = triangleId; Depth = depth;
    }

    /// <summary>The faces' edge neighbours, built on first use.</summary>
    public TriangleAdjacency Adjacency => _adjacency ??= TriangleAdjacency.Of(Faces, VertexCount);

    /// <param name="positions">three floats per vertex, world space</param>
    /// <param name="faces">three vertex indices per face, each in range</param>
    public static RasterVisibility Compute(float[] positions, int[] faces, IReadOnlyList<Camera> cameras, int height, int width)
    {
        int b = cameras.Count, pixels = height * width;
        var views = new RasterView[b];
        var cameraVertices = new Vector3[b][];
        var triangleId = new int[b * pixels];
        var depth = new float[b * pixels];
        for (int c = 0; c < b; c++)
        {
            views[c] = new RasterView(cameras[c], height, width);
            var (triangles, cam) = TriangleSetup.Setup(positions, faces, views[c]);
            cameraVertices[c] = cam;
            var z = new ZBuffer(height, width, barycentrics: false);
            z.Draw(triangles);
            Array.Copy(z.Face, 0, triangleId, c * pixels, pixels);
            for (int k = 0; k < pixels; k++)
                depth[c * pixels + k] = z.InvDepth[k] > 0 ? 1 / z.InvDepth[k] : 0;
        }
        return new RasterVisibility(height, width, positions.Length / 3, faces, views,
            cameras.Select(c => c.FocalPixels(height)).ToArray(), cameraVertices, triangleId, depth);
    }
}
