using System.Text;
using DreamTime.Geometry;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests.Geometry;

/// <summary>Mutated GLB and OBJ files through MeshFile.Read: read, or refused with a one-line UserError.</summary>
[Trait("Category", "fuzz")]
public sealed class MeshFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dreamtime-meshfile-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MutatedGlbFilesReadOrFailCleanly()
    {
        var original = Path.Combine(_dir, "box.glb");
        GlbWriter.Write(original, SdfTestMeshes.Box(System.Numerics.Vector3.Zero, new System.Numerics.Vector3(0.5f)));
        var bytes = File.ReadAllBytes(original);
        var path = Path.Combine(_dir, "mutated.glb");
        Fuzz.Run("glb meshes", Fuzz.Cases(60), 17, (rng, _) =>
        {
            // the JSON chunk (header, accessors, buffer views) is where most of the structure is
            File.WriteAllBytes(path, rng.Next(3) == 0 ? Fuzz.MutateBytes(bytes, rng) : Fuzz.MutateBytes(bytes, rng, 0, bytes.Length / 2));
            MeshFile.Read(path);
        }, output);
    }

    [Fact]
    public void MutatedObjFilesReadOrFailCleanly()
    {
        var text = "v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvn 0 0 1\nf 1//1 2//1 3//1 4//1\nf -4 -2 -1\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        var path = Path.Combine(_dir, "mutated.obj");
        Fuzz.Run("obj meshes", Fuzz.Cases(60), 19, (rng, _) =>
        {
            File.WriteAllBytes(path, Fuzz.MutateBytes(bytes, rng));
            MeshFile.Read(path);
        }, output);
    }
}
