using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Representations.Nerf;

/// <summary>Empty-space skipping: never skips where there is density, and changes no render or gradient where it skips
/// only empty space.</summary>
public class OccupancyGridTests
{
    /// <summary>
    /// A field of compact blobs: density max_k a_k relu(1 - |p - c_k|^2 / rho_k^2) (zero outside every blob, so the
    /// reference render gives exactly zero weight there), albedo a learnable colour shaded by height, radial normals.
    /// </summary>
    private sealed class BlobField : IVolumeField
    {
        public readonly Parameter Amplitude;
        public readonly Parameter Colour;
        private readonly Tensor _centres, _radii;

        public BlobField(int seed, int count, double minRadius, double maxRadius)
        {
            var g = new Generator((ulong)seed);
            _centres = torch.rand(count, 3, generator: g).Times(1.2).Minus(0.6);
            _radii = torch.rand(count, generator: g).Times(maxRadius - minRadius).Plus(minRadius);
            Amplitude = new Parameter(torch.rand(count, generator: g).Times(30).Plus(5));
            Colour = new Parameter(torch.rand(3, generator: g));
        }

        public Tensor DensityAt(Tensor points)
        {
            var d2 = (points.unsqueeze(1) - _centres.unsqueeze(0)).Squared().sum(-1);            // [N,K]
            var shape = (d2 / _radii.Squared().unsqueeze(0)).SubtractedFrom(1).relu();
            return (shape * Amplitude.unsqueeze(0)).amax(1);
        }

        public FieldDensity Density(Tensor points) => new(DensityAt(points), points, null);

        public (Tensor Albedo, Tensor? Normal) Appearance(FieldDensity density, Tensor index, bool normals)
        {
            var p = density.Points.index_select(0, index);
            var albedo = torch.sigmoid(Colour.unsqueeze(0).Plus(p.select(1, 1).unsqueeze(1)));
            var nearest = (p.unsqueeze(1) - _centres.unsqueeze(0)).Squared().sum(-1).argmin(1);
            var normal = nn.functional.normalize(p - _centres.index_select(0, nearest), dim: 1);
            return (albedo, normals ? normal : null);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void NoPointAboveTheThresholdLiesInAnUnmarkedCell(int seed)
    {
        // blobs whose part above the threshold is at least sqrt(3)/2 cells in radius: any such point is then within one
        // cell of a cell centre above the threshold, which the one-cell dilation marks
        const int resolution = 16;
        double cell = 2.0 / resolution;
        var field = new BlobField(seed, 6, 1.2 * cell, 3 * cell);
        using var grid = new OccupancyGrid(resolution, 1.0, threshold: 0.5);
        using var noGrad = no_grad();
        grid.Update(p => field.DensityAt(p), jitter: null);
        Assert.InRange(grid.OccupiedFraction, 0.001, 0.9);
        var points = torch.rand(200_000, 3, generator: new Generator((ulong)seed + 10)).Times(2).Minus(1);
        var above = field.DensityAt(points).gt(Scalars.Of(0.5));
        var marked = grid.Contains(points);
        Assert.True(above.sum().ReadDouble() > 100);
        Assert.Equal(0L, (above & marked.logical_not()).sum().item<long>());
        // jittered updates only add to the estimates (max with the decayed ones): still nothing above is skipped
        for (int k = 0; k < 3; k++) grid.Update(p => field.DensityAt(p), new Generator((ulong)k));
        Assert.Equal(0L, (above & grid.Contains(points).logical_not()).sum().item<long>());
    }

    [Fact]
    public void APointIsMarkedExactlyWhenItsCellIsAndOutsideTheCubeNever()
    {
        const int resolution = 8;
        const double bound = 1.5;
        using var grid = new OccupancyGrid(resolution, bound, threshold: 0.5);
        using var noGrad = no_grad();
        var estimates = torch.rand(resolution * resolution * resolution, generator: new Generator(4));
        // a sparse pattern, so that the dilation leaves unmarked cells to tell apart
        grid.SetEstimates(estimates.gt(Scalars.Of(0.97)).to(ScalarType.Float32));
        var marks = grid.Occupied.to(ScalarType.Int32).data<int>().ToArray();
        Assert.Contains(0, marks);
        Assert.Contains(1, marks);
        // points beyond the cube on every side, on cell borders, and exactly on the cube's faces
        var random = torch.rand(20_000, 3, generator: new Generator(5)).Times(4).Minus(2).to(ScalarType.Float64);
        var borders = torch.randint(-1, 2 * resolution + 2, new long[] { 2_000, 3 }, generator: new Generator(6))
            .to(ScalarType.Float64).Times(bound / resolution).Minus(bound);
        var points = torch.cat([random, borders], 0);
        var flags = grid.Contains(points.to(ScalarType.Float32)).to(ScalarType.Int32).data<int>().ToArray();
        var p = points.to(ScalarType.Float32).to(ScalarType.Float64).data<double>().ToArray();
        for (int i = 0; i < flags.Length; i++)
        {
            // the grid's float32 arithmetic: (p + bound) * (R / 2 bound), each rounded to float
            var c = Enumerable.Range(0, 3)
                .Select(k => (int)MathF.Floor((float)(p[3 * i + k] + bound) * (float)(resolution / (2 * bound)))).ToArray();
            bool inside = c.All(x => x >= 0 && x < resolution);
            int expected = inside ? marks[c[0] + resolution * (c[1] + resolution * c[2])] : 0;
            Assert.True(expected == flags[i], $"point ({p[3 * i]}, {p[3 * i + 1]}, {p[3 * i + 2]}): expected {expected}");
        }
    }

    [Fact]
    public void SkippingEmptySpaceLeavesRendersAndGradientsAsTheyWere()
    {
        var field = new BlobField(4, 5, 0.2, 0.35);
        using var grid = new OccupancyGrid(32, 1.0, threshold: 0);
        using (no_grad()) grid.Update(p => field.DensityAt(p), jitter: null);
        Assert.True(grid.OccupiedFraction < 0.5, $"{grid.OccupiedFraction} of the cells marked");
        var renderer = new VolumeRenderer(48, "sphere", 1.0);
        var cameras = new[] { new Camera(20, 30, 2.5, 40), new Camera(-15, 200, 2.2, 45) };
        (RenderOutput Render, Tensor[] Grads, long Queried) RenderOnce(bool skip)
        {
            field.Amplitude.grad = null;
            field.Colour.grad = null;
            var r = renderer.Render(field, d => torch.ones(d.shape[0], 3).Times(0.5), cameras, 24, 24, ShadingMode.Diffuse,
                Lighting.Default, new Generator(7), normals: true, torch.CPU, occupied: skip ? grid.Contains : null);
            r.Rgb.Squared().sum().Plus(r.Opacity.sum()).Plus(r.Extra(VolumeRenderer.OrientationExtra)).backward();
            return (r, [field.Amplitude.grad!.clone(), field.Colour.grad!.clone()], renderer.QueriedSamples);
        }
        var (reference, referenceGrads, all) = RenderOnce(false);
        var (fast, fastGrads, queried) = RenderOnce(true);
        Assert.True(queried < all / 2, $"{queried} of {all} samples queried");
        // the same densities at the same points, zeros where skipped: equal to float rounding of the sums
        foreach (var (a, b) in new[] { (reference.Rgb, fast.Rgb), (reference.Opacity, fast.Opacity), (reference.Depth, fast.Depth),
            (reference.Normal, fast.Normal) })
            Assert.True(torch.allclose(a, b, rtol: 0, atol: 1e-6), $"max difference {(a - b).abs().max().ReadDouble()}");
        for (int i = 0; i < referenceGrads.Length; i++)
            Assert.True(torch.allclose(referenceGrads[i], fastGrads[i], rtol: 1e-5, atol: 1e-6),
                $"gradient {i}: max difference {(referenceGrads[i] - fastGrads[i]).abs().max().ReadDouble()}");
    }

    [Fact]
    public void ANerfSavesItsGridSoAResumedRunSkipsTheSameSamples()
    {
        var settings = new NerfSettings { Field = Training.TrainingTestSupport.TinyNerf, OccupancyResolution = 16 };
        using var a = new NerfRepresentation(settings, 3);
        a.UpdateStep(1);
        Assert.True(a.Occupancy!.OccupiedFraction < 1);
        var path = Path.Combine(Path.GetTempPath(), $"dt-occupancy-{Guid.NewGuid():N}.safetensors");
        try
        {
            a.Save(path);
            using var b = new NerfRepresentation(settings, 5);
            Assert.Equal(1.0, b.Occupancy!.OccupiedFraction);
            b.Load(path);
            Assert.Equal(a.Occupancy.CellDensity.data<float>().ToArray(), b.Occupancy.CellDensity.data<float>().ToArray());
            Assert.Equal(a.Occupancy.Occupied.data<bool>().ToArray(), b.Occupancy.Occupied.data<bool>().ToArray());
        }
        finally { File.Delete(path); }
    }
}
