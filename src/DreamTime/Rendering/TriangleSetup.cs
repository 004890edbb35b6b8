using System.Numerics;
using System.Runtime.CompilerServices;

namespace DreamTime.Rendering;

/// <summary>
/// The first stage of a z-buffer: vertices to camera space, triangles clipped against the near plane and projected
/// to <see cref="ScreenTriangle"/>s, in mesh order (a face cut by the near plane gives a fan of up to two).
/// </summary>
internal static class TriangleSetup
{
    /// <summary>
    /// Camera-space depth below which geometry is clipped away; keeps projections finite for triangles that reach
    /// behind the camera.
    /// </summary>
    public const float NearDepth = 1e-3f;

    // Faces set up by one task: enough that joining the parts costs little next to the work.
    private const int MinFacesPerChunk = 4096;

    private readonly record struct CameraVertex(Vector3 Position, Vector3 Bary);

    /// <summary>
    /// Screen triangles of the faces (<paramref name="indices"/>: three vertex indices per face, all in range) in face
    /// order, and every vertex in camera space (<see cref="RasterView.ToCamera"/>). Faces are set up in parallel in
    /// chunks of consecutive faces; the triangles are the chunks' lists one after the other (left apart: joining them
    /// would copy megabytes), the same whatever the thread count.
    /// </summary>
    public static (List<ScreenTriangle>[] Triangles, Vector3[] CameraVertices) Setup(float[] positions, int[] indices, RasterView view)
    {
        var cam = new Vector3[positions.Length / 3];
        Parallel.For(0, cam.Length, v => cam[v] = view.ToCamera(new Vector3(positions[3 * v], positions[3 * v + 1], positions[3 * v + 2])));
        int faces = indices.Length / 3;
        int chunk = Math.Max(MinFacesPerChunk, faces / (2 * Environment.ProcessorCount) + 1);
        int chunks = (faces + chunk - 1) / chunk;
        var parts = new List<ScreenTriangle>[chunks];
        Parallel.For(0, chunks, c =>
        {
            int first = c * chunk, end = Math.Min(faces, first + chunk);
            parts[c] = SetupFaces(cam, indices, view, first, end);
        });
        return (parts, cam);
    }

    private static List<ScreenTriangle> SetupFaces(Vector3[] cam, int[] indices, in RasterView view, int first, int end)
    {
        var part = new List<ScreenTriangle>(end - first);
        Span<CameraVertex> polygon = stackalloc CameraVertex[4];
        for (int f = first; f < end; f++)
        {
            var ca = new CameraVertex(cam[indices[3 * f]], Vector3.UnitX);
            var cb = new CameraVertex(cam[indices[3 * f + 1]], Vector3.UnitY);
            var cc = new CameraVertex(cam[indices[3 * f + 2]], Vector3.UnitZ);
            int n = ClipToNearPlane(ca, cb, cc, polygon);
            // a convex polygon of n corners is a fan of n - 2 triangles
            for (int k = 1; k + 1 < n; k++) AddScreenTriangle(part, view, f, polygon[0], polygon[k], polygon[k + 1]);
        }
        return part;
    }

    /// <summary>Sutherland-Hodgman against depth = NearDepth: 0 corners (all behind), 3, or 4.</summary>
    private static int ClipToNearPlane(CameraVertex a, CameraVertex b, CameraVertex c, Span<CameraVertex> output)
    {
        if (a.Position.Z >= NearDepth && b.Position.Z >= NearDepth && c.Position.Z >= NearDepth)
        {
            output[0] = a; output[1] = b; output[2] = c;
            return 3;
        }
        int n = 0;
        ReadOnlySpan<CameraVertex> input = [a, b, c];
        for (int i = 0; i < 3; i++)
        {
            var p = input[i];
            var q = input[(i + 1) % 3];
            bool pIn = p.Position.Z >= NearDepth, qIn = q.Position.Z >= NearDepth;
            if (pIn) output[n++] = p;
            if (pIn != qIn)
            {
                // Barycentrics are affine in 3D, so the crossing point's are the same blend as its position.
                float t = (NearDepth - p.Position.Z) / (q.Position.Z - p.Position.Z);
                output[n++] = new CameraVertex(Vector3.Lerp(p.Position, q.Position, t), Vector3.Lerp(p.Bary, q.Bary, t));
            }
        }
        return n;
    }

    private static void AddScreenTriangle(List<ScreenTriangle> triangles, in RasterView view, int face, CameraVertex a, CameraVertex b,
        CameraVertex c)
    {
        var p0 = view.Project(a.Position); var p1 = view.Project(b.Position); var p2 = view.Project(c.Position);
        float area = Edge(p0, p1, p2);
        if (!(MathF.Abs(area) > 0)) return; // degenerate on screen (or NaN): covers no sample centre reliably
        var min = Vector2.Min(p0, Vector2.Min(p1, p2));
        var max = Vector2.Max(p0, Vector2.Max(p1, p2));
        // Samples whose centres (j + 0.5, i + 0.5) fall inside the bounding box, clamped to the grid.
        int minCol = (int)MathF.Max(0, MathF.Ceiling(min.X - 0.5f)), maxCol = (int)MathF.Min(view.Width - 1, MathF.Floor(max.X - 0.5f));
        int minRow = (int)MathF.Max(0, MathF.Ceiling(min.Y - 0.5f)), maxRow = (int)MathF.Min(view.Height - 1, MathF.Floor(max.Y - 0.5f));
        if (minCol > maxCol || minRow > maxRow) return;
        // Keep a consistent (positive-area) orientation so the inside test is "all edge functions >= 0".
        if (area < 0) { (p1, p2) = (p2, p1); (b, c) = (c, b); }
        triangles.Add(new ScreenTriangle(face, p0, p1, p2, 1 / a.Position.Z, 1 / b.Position.Z, 1 / c.Position.Z,
            a.Bary, b.Bary, c.Bary, minRow, maxRow, minCol, maxCol));
    }

    /// <summary>Twice the signed area of the triangle (a, b, p): the 2D cross product (b - a) x (p - a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Edge(Vector2 a, Vector2 b, Vector2 p) => (b.X - a.X) * (p.Y - a.Y) - (b.Y - a.Y) * (p.X - a.X);
}
