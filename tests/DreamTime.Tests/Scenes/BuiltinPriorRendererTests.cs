using System.Numerics;
using DreamTime.Rendering;
using DreamTime.Scenes;
using Xunit;

namespace DreamTime.Tests.Scenes;

public class BuiltinPriorRendererTests
{
    private static PriorScene SphereScene(float r, Vector3 albedo) =>
        new(new[] { Primitive.Create(PrimitiveKind.Sphere, Vector3.Zero, albedo, r) });

    [Theory]
    [InlineData(0.5f, 2.2, 45.0, 0.0, 0.0)]
    [InlineData(0.3f, 2.0, 40.0, 30.0, 75.0)]
    public void SphereRendersADiskOfTheProjectedRadius(float r, double distance, double fov, double elevation, double azimuth)
    {
        int n = 65;
        var cam = new Camera(elevation, azimuth, distance, fov);
        var img = new SdfRenderer().Render(SphereScene(r, new Vector3(0.5f)), cam, n, n);
        // the silhouette is the tangent cone: its image radius is f tan(asin(r / d)) = f r / sqrt(d^2 - r^2)
        double focal = 0.5 * n / Math.Tan(0.5 * fov * Math.PI / 180);
        double radius = focal * r / Math.Sqrt(distance * distance - r * r);
        int inside = 0, wrong = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double rho = Math.Sqrt(Math.Pow(i + 0.5 - 0.5 * n, 2) + Math.Pow(j + 0.5 - 0.5 * n, 2));
                float m = img.Mask[i * n + j];
                Assert.True(m == 0 || m == 1);
                if (m == 1) inside++;
                // away from the edge the mask must agree with the disk exactly
                if (Math.Abs(rho - radius) > 0.75 && (m == 1) != (rho < radius)) wrong++;
                if (m == 0) for (int c = 0; c < 3; c++) Assert.Equal(1f, img.Rgb[3 * (i * n + j) + c]);
            }
        Assert.Equal(0, wrong);
        Assert.InRange(inside, Math.PI * radius * radius - 2 * Math.PI * radius * 0.5,
            Math.PI * radius * radius + 2 * Math.PI * radius * 0.5);
    }

    [Fact]
    public void CentrePixelFollowsTheLightingFormula()
    {
        // camera on +x looking at the origin: the central ray hits the sphere at (r, 0, 0) with normal +x
        var albedo = new Vector3(0.8f, 0.5f, 0.2f);
        var img = new SdfRenderer().Render(SphereScene(0.5f, albedo), new Camera(0, 0, 2.2, 45), 33, 33);
        var l = Lighting.Default;
        double shade = l.Ambient + l.Diffuse * Math.Max(0, l.DirX);
        // by hand: l = (0.5, -0.4, 0.75) / 0.98615, so shade = 0.4 + 0.6 * 0.50702 = 0.70421
        Assert.Equal(0.70421, shade, 4);
        int p = 16 * 33 + 16;
        Assert.Equal(albedo.X * shade, img.Rgb[3 * p], 3);
        Assert.Equal(albedo.Y * shade, img.Rgb[3 * p + 1], 3);
        Assert.Equal(albedo.Z * shade, img.Rgb[3 * p + 2], 3);
        Assert.Equal(1f, img.Mask[p]);
    }

    [Fact]
    public void NormalImageFacesTheCameraAtTheCentreAndIsWhiteOffTheObject()
    {
        // the central ray of an odd-sized image runs through the sphere's centre: it meets the surface where the
        // normal points at the camera, so the pixel encodes the unit vector to the camera
        var cam = new Camera(30, 75, 2.2, 45);
        const int n = 33;
        var img = new SdfRenderer().Render(SphereScene(0.5f, new Vector3(0.5f)), cam, n, n);
        var normalImage = img.NormalImage();
        var (x, y, z) = cam.Position;
        double length = Math.Sqrt(x * x + y * y + z * z);
        double[] toCamera = [x / length, y / length, z / length];
        int centre = 16 * n + 16;
        // the renderer's normals are a tetrahedral difference at 1e-3, whose error on a curved surface is of that order
        for (int c = 0; c < 3; c++)
        {
            Assert.InRange(img.Normal[3 * centre + c], toCamera[c] - 2e-3, toCamera[c] + 2e-3);
            Assert.InRange(normalImage[3 * centre + c], 0.5 * toCamera[c] + 0.5 - 1e-3, 0.5 * toCamera[c] + 0.5 + 1e-3);
        }
        foreach (int corner in new[] { 0, n - 1, (n - 1) * n, n * n - 1 })
        {
            Assert.Equal(0f, img.Mask[corner]);
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal(1f, normalImage[3 * corner + c]);
                Assert.Equal(0f, img.Normal[3 * corner + c]);
            }
        }
    }

    [Fact]
    public void SupersampledNormalImageIsTheMeanOfItsSubPixelImages()
    {
        // s x s rays per pixel are the rays of the s-times larger image: the encoding is linear, so a supersampled
        // normal image is the block average of the large one's
        var scene = new SceneBuilder()
            .Sphere(new Vector3(0.2f, 0.1f, 0.1f), 0.4f, new Vector3(0.9f, 0.3f, 0.2f))
            .Box(new Vector3(-0.3f, -0.2f, -0.1f), new Vector3(0.25f, 0.15f, 0.2f), new Vector3(0.2f, 0.6f, 0.9f))
            .Build();
        var cam = new Camera(20, 130, 2.2, 45);
        const int n = 12;
        var small = new SdfRenderer { Supersample = 2 }.Render(scene, cam, n, n).NormalImage();
        var large = new SdfRenderer().Render(scene, cam, 2 * n, 2 * n).NormalImage();
        double worst = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int c = 0; c < 3; c++)
                {
                    double mean = 0;
                    for (int di = 0; di < 2; di++)
                        for (int dj = 0; dj < 2; dj++) mean += large[3 * ((2 * i + di) * 2 * n + 2 * j + dj) + c] / 4.0;
                    worst = Math.Max(worst, Math.Abs(mean - small[3 * (i * n + j) + c]));
                }
        Assert.True(worst < 1e-5, $"largest difference {worst}");
    }

    [Fact]
    public void FacesAwayFromTheLightGetOnlyAmbient()
    {
        var albedo = new Vector3(1f, 1f, 1f);
        var l = Lighting.Default;
        // looking from the direction opposite to the light sees the unlit side
        double az = Math.Atan2(-l.DirY, -l.DirX) * 180 / Math.PI, el = Math.Asin(-l.DirZ) * 180 / Math.PI;
        var img = new SdfRenderer().Render(SphereScene(0.5f, albedo), new Camera(el, az, 2.2, 45), 33, 33);
        Assert.Equal(l.Ambient, img.Rgb[3 * (16 * 33 + 16)], 3);
    }

    [Fact]
    public void SupersamplingSoftensEdgesOnly()
    {
        var cam = new Camera(10, 20, 2.2, 45);
        var scene = SphereScene(0.5f, new Vector3(0.3f, 0.6f, 0.9f));
        var hard = new SdfRenderer().Render(scene, cam, 32, 32);
        var soft = new SdfRenderer { Supersample = 2 }.Render(scene, cam, 32, 32);
        Assert.Contains(soft.Mask, m => m > 0 && m < 1);
        Assert.All(soft.Mask, m => Assert.InRange(m, 0f, 1f));
        // coverage sums agree to within the edge pixels
        Assert.InRange(soft.Mask.Sum() - hard.Mask.Sum(), -40, 40);
        Assert.Equal(hard.Mask[16 * 32 + 16], soft.Mask[16 * 32 + 16]);
    }

    public static TheoryData<PrimitiveKind> ExactKinds => new()
    {
        PrimitiveKind.Sphere, PrimitiveKind.Box, PrimitiveKind.RoundBox, PrimitiveKind.Cylinder, PrimitiveKind.Cone,
        PrimitiveKind.Torus, PrimitiveKind.Capsule, PrimitiveKind.Roof,
    };

    [Theory]
    [MemberData(nameof(ExactKinds))]
    public void DistancesHaveTheRightSignAndAreOneLipschitz(PrimitiveKind kind)
    {
        var prim = Primitive.Create(kind, new Vector3(0.1f, -0.2f, 0.05f), Vector3.One, 0.3f, 0.2f, 0.25f, 0.05f,
            Rotations.AlignZ(new Vector3(0.3f, 0.5f, 1f)));
        var rng = new Random(3);
        Vector3 R() =>
            new((float)rng.NextDouble() * 1.6f - 0.8f, (float)rng.NextDouble() * 1.6f - 0.8f, (float)rng.NextDouble() * 1.6f - 0.8f);
        for (int i = 0; i < 2000; i++)
        {
            Vector3 a = R(), b = R();
            Assert.True(Math.Abs(prim.Distance(a) - prim.Distance(b)) <= Vector3.Distance(a, b) * 1.0001f + 1e-5f,
                $"{kind}: not 1-Lipschitz at {a}, {b}");
            Assert.Equal(Inside(kind, prim, a), prim.Distance(a) < 0);
            // nothing outside the bounding sphere
            if (Vector3.Distance(a, prim.Center) > prim.BoundRadius) Assert.True(prim.Distance(a) > 0);
        }
    }

    // Membership by the shape's definition, in the primitive's local frame (A, B, C, D = 0.3, 0.2, 0.25, 0.05).
    private static bool Inside(PrimitiveKind kind, Primitive prim, Vector3 world)
    {
        var p = world - prim.Center;
        var r = prim.Rotation;
        var q = new Vector3(r.M11 * p.X + r.M12 * p.Y + r.M13 * p.Z, r.M21 * p.X + r.M22 * p.Y + r.M23 * p.Z,
            r.M31 * p.X + r.M32 * p.Y + r.M33 * p.Z);
        float radial = MathF.Sqrt(q.X * q.X + q.Y * q.Y);
        switch (kind)
        {
            case PrimitiveKind.Sphere: return q.Length() < 0.3f;
            case PrimitiveKind.Box: return MathF.Abs(q.X) < 0.3f && MathF.Abs(q.Y) < 0.2f && MathF.Abs(q.Z) < 0.25f;
            case PrimitiveKind.RoundBox:
                {
                    var e = Vector3.Max(Vector3.Abs(q) - new Vector3(0.25f, 0.15f, 0.2f), Vector3.Zero);
                    return e.Length() < 0.05f;
                }
            case PrimitiveKind.Cylinder: return radial < 0.3f && MathF.Abs(q.Z) < 0.2f;
            case PrimitiveKind.Cone: return MathF.Abs(q.Z) < 0.25f && radial < 0.3f + (0.2f - 0.3f) * (q.Z + 0.25f) / 0.5f;
            case PrimitiveKind.Torus: return MathF.Sqrt((radial - 0.3f) * (radial - 0.3f) + q.Z * q.Z) < 0.2f;
            case PrimitiveKind.Capsule: return new Vector3(q.X, q.Y, q.Z - Math.Clamp(q.Z, -0.2f, 0.2f)).Length() < 0.3f;
            case PrimitiveKind.Roof: return MathF.Abs(q.X) < 0.3f && q.Z > 0 && MathF.Abs(q.Y) / 0.2f + q.Z / 0.25f < 1;
            default: throw new ArgumentException(kind.ToString());
        }
    }

    [Fact]
    public void FamiliesAreDeterministicCentredAndFitTheSphere()
    {
        var a = new PriorLibrary(8, 5);
        var b = new PriorLibrary(8, 5);
        var c = new PriorLibrary(8, 6);
        Assert.True(a.Families.Count >= 8);
        Assert.Equal(a.Members.Count, a.Families.Count * 8);
        bool anyDifferent = false;
        for (int i = 0; i < a.Members.Count; i++)
        {
            Assert.Equal(i, a.Members[i].GlobalIndex);
            Assert.Equal(a.Members[i].Name, b.Members[i].Name);
            Assert.Equal(a.Members[i].Scene.Primitives, b.Members[i].Scene.Primitives);
            anyDifferent |= !a.Members[i].Scene.Primitives.SequenceEqual(c.Members[i].Scene.Primitives);
            var scene = a.Members[i].Scene;
            Assert.InRange(scene.BoundRadius, 0.79f, 0.801f);
            var (min, max) = scene.Bounds();
            Assert.True(((min + max) / 2).Length() < 1e-4f, $"{a.Members[i].Name} not centred");
        }
        Assert.True(anyDifferent, "another seed should give other members");
    }

    [Fact]
    public void EveryFamilyCoversEveryAttributeValueAndRendersVisibly()
    {
        var lib = new PriorLibrary(24);
        var cam = new Camera(20, 30, 2.2, 45);
        var renderer = new SdfRenderer();
        foreach (var f in lib.Families)
        {
            foreach (var slot in f.Slots)
                foreach (var v in slot.Values)
                    Assert.Contains(f.Members, m => m.Attributes[slot.Name] == v.Value);
            var images = renderer.Render(f.Members.Select(m => m.Scene).ToList(), cam, 32, 32);
            foreach (var (img, m) in images.Zip(f.Members))
            {
                double cover = img.Mask.Average();
                Assert.True(cover > 0.05 && cover < 0.8, $"{m.Name}: covers {cover:P0} of the view");
            }
        }
    }
}
