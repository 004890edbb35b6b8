using DreamTime.Configuration;
using DreamTime.Rendering;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests.Configuration;

/// <summary>A hand-edited config.json must fail with a line naming the field, never deep inside rendering.</summary>
public class TrainConfigValidationTests
{
    [Fact]
    public void DefaultsAreValid() => new TrainConfig().Validate();

    [Theory]
    [InlineData("eval_resolution")]
    [InlineData("turntable_resolution")]
    [InlineData("stages.0.representation.mesh_threshold")]
    [InlineData("cameras.distance_min")]
    [InlineData("cameras.fov_y_min_deg")]
    [InlineData("cameras.elevation_min_deg")]
    public void BadFieldsAreNamed(string expected)
    {
        var cfg = expected switch
        {
            "eval_resolution" => new TrainConfig { EvalResolution = 0 },
            "turntable_resolution" => new TrainConfig { TurntableResolution = -4 },
            "stages.0.representation.mesh_threshold" => new TrainConfig
            {
                Stages = [new StageSettings { Representation = new DreamTime.Representations.NerfSettings { MeshThreshold = double.NaN } }],
            },
            "cameras.distance_min" => new TrainConfig { Cameras = new CameraRanges(DistanceMin: 3, DistanceMax: 2) },
            "cameras.fov_y_min_deg" => new TrainConfig { Cameras = new CameraRanges(FovYMinDeg: 0) },
            _ => new TrainConfig { Cameras = new CameraRanges(ElevationMinDeg: 10, ElevationMaxDeg: -10) },
        };
        var e = Assert.Throws<UserError>(cfg.Validate);
        Assert.Equal(expected, e.Key);
        Assert.StartsWith(expected + ": ", e.Message);
    }

    [Fact]
    public void GuidanceInputIsShadedOrNormal()
    {
        Assert.Equal("shaded", new StageSettings().GuidanceInput);
        new TrainConfig { Stages = [new StageSettings { GuidanceInput = "normal" }] }.Validate();
        foreach (var bad in new[] { "normals", "", null })
        {
            var e = Assert.Throws<UserError>(new TrainConfig
            {
                Stages = [new StageSettings(), new StageSettings { Name = "geometry",
                GuidanceInput = bad! }]
            }.Validate);
            Assert.Equal("stages.1.guidance_input", e.Key);
            Assert.Contains("allowed: shaded, normal", e.Message);
        }
        // a hand-edited config.json names the stage too
        var json = new TrainConfig().ToJsonObject();
        json["stages"]![0]!["guidance_input"] = "depth";
        var fromJson = TrainConfig.FromJson(json, "config.json");
        Assert.Equal("stages.0.guidance_input", Assert.Throws<UserError>(fromJson.Validate).Key);
        // Zero-1-to-3 denoises colour views of its input picture
        var zero123 = new TrainConfig
        {
            Guidance = new DreamTime.Guidance.Zero123Settings { Model = "m" },
            Reference = new DreamTime.Guidance.ReferenceSettings { Image = "input.png" },
            Stages = [new StageSettings { GuidanceInput = "normal" }],
        };
        Assert.Equal("stages.0.guidance_input", Assert.Throws<UserError>(zero123.Validate).Key);
    }

    [Fact]
    public void NonInteractiveProgressPrintsFromTheFirstStep()
    {
        var w = new StringWriter();
        var bar = new DreamTime.Cli.ProgressBar(100, 0, w, interactive: false);
        bar.Report(1, "t=980");
        bar.Report(2, "t=979");
        bar.Report(5, "t=970");
        var lines = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("1/100", lines[0]);
        Assert.Contains("5/100", lines[1]);
    }
}
