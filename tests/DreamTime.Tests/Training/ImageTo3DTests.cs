using System.CommandLine;
using System.Text.Json.Nodes;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Guidance;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using DreamTime.Training;
using Xunit;
using static DreamTime.Tests.Training.TrainingTestSupport;
using static TorchSharp.torch;

namespace DreamTime.Tests.Training;

/// <summary>Image-to-3D with the built-in image prior: input pictures, the image-conditioned posterior, the input view's losses, `generate
/// --image`.</summary>
public class ImageTo3DTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-image3d-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Err) Cli(Command command, params string[] args)
    {
        var root = new RootCommand { command };
        var err = new StringWriter();
        int code = CliHost.Run(root, new[] { command.Name }.Concat(args).ToArray(), err);
        return (code, err.ToString());
    }

    /// <summary>`prior render "a red mushroom" --member 2` from (15, 30): the picture the tests turn into 3D.</summary>
    private string InputPicture(int size = 64)
    {
        var file = Path.Combine(_dir, "mushroom.png");
        var (code, err) = Cli(PriorCommand.Create(), "render", "a red mushroom", "--member", "2", "--elevation", "15", "--azimuth", "30",
            "--size", size.ToString(), "--out", file);
        Assert.True(code == 0, err);
        return file;
    }

    private static FamilyMember SecondRedMushroom() => PriorLibrary.Default.Select("a red mushroom").Members[1];

    [Fact]
    public void TheInputPictureIsTheMemberRenderWithItsCoverageAsAlpha()
    {
        var file = InputPicture();
        var picture = ObjectImage.Fit(ObjectImage.Cut(file), new ObjectImageOptions(Size: 64));
        Assert.Equal(MaskSource.Alpha, picture.Source);
        var render = new SdfRenderer { Supersample = 2 }.Render(SecondRedMushroom().Scene, new CameraRanges().MidCamera(15, 30), 64, 64);
        // 8-bit colours and alpha, un-composited and composited again: within 1.5 levels where the object is solid
        double worst = 0;
        for (int i = 0; i < render.Rgb.Length; i++) worst = Math.Max(worst, Math.Abs(render.Rgb[i] - picture.Image.Pixels[i]));
        Assert.True(worst < 2.5 / 255, $"largest colour difference {worst * 255:F2} levels");
        for (int i = 0; i < render.Mask.Length; i++) Assert.Equal(render.Mask[i], picture.Mask[i], 2);
    }

    [Fact]
    public void TheImagePriorConditionsOnTheMemberThePictureShows()
    {
        var file = InputPicture();
        var settings = new ReferenceSettings { Image = file, ElevationDeg = 15, AzimuthDeg = 30 };
        var reference = settings.Load(new BuiltinImagePriorSettings(), new CameraRanges(), 64);
        using var guidance = BuiltinPriorGuidance.ForImage(reference, new BuiltinPriorOptions());
        Assert.Equal("builtin-image", guidance.Name);
        Assert.Same(SecondRedMushroom(), guidance.Selection.Members[0]);
        Assert.Equal(0, guidance.LogPrior![0]);
        Assert.All(guidance.LogPrior, l => Assert.InRange(l, -BuiltinPriorGuidance.ImagePriorCutoffNats, 0));
        // the same picture from the wrong camera explains the member far worse
        var wrong = (settings with { AzimuthDeg = 210 }).Load(new BuiltinImagePriorSettings(), new CameraRanges(), 64);
        var right = BuiltinPriorGuidance.ImageLogLikelihoods(reference, PriorLibrary.Default, 64, 0.1);
        var off = BuiltinPriorGuidance.ImageLogLikelihoods(wrong, PriorLibrary.Default, 64, 0.1);
        int source = SecondRedMushroom().GlobalIndex;
        Assert.True(right[source] - off[source] > 30,
            $"log-likelihood {right[source]:F1} at the input camera, {off[source]:F1} from behind");
    }

    [Fact]
    public void TheInputViewLossesAreMeanSquaredErrorsAgainstThePictureOverTheRenderBackground()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(11);
        var image = rand(new long[] { 4, 4, 3 }, generator: gen);
        var mask = rand(new long[] { 4, 4 }, generator: gen).gt(Scalars.Of(0.5)).to(float32);
        var view = new ReferenceView(image, mask, new Camera(0, 0, 2.2, 45));
        var rgb = rand(new long[] { 1, 4, 4, 3 }, generator: gen);
        var opacity = rand(new long[] { 1, 4, 4, 1 }, generator: gen);
        var background = rand(new long[] { 1, 4, 4, 3 }, generator: gen);
        var render = new RenderOutput(rgb, opacity, zeros(1, 4, 4, 1), zeros(1, 4, 4, 3), background);
        var losses = new ReferenceViewLoss(view, 500, 50).Losses(render).ToDictionary(kv => kv.Key, kv => kv.Value.item<float>());

        double rgbSe = 0, maskSe = 0;
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
            {
                double m = mask[y, x].item<float>();
                for (int c = 0; c < 3; c++)
                {
                    double target = image[y, x, c].item<float>() * m + background[0, y, x, c].item<float>() * (1 - m);
                    rgbSe += Math.Pow(rgb[0, y, x, c].item<float>() - target, 2);
                }
                maskSe += Math.Pow(opacity[0, y, x, 0].item<float>() - m, 2);
            }
        Assert.Equal(500 * rgbSe / 48, losses["ref_rgb"], 3);
        Assert.Equal(50 * maskSe / 16, losses["ref_mask"], 3);
    }

    [Fact]
    public void GenerateWithAnImageTrainsOnItAndScoresTheInputView()
    {
        var file = InputPicture();
        var cfgFile = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(cfgFile, (Tiny(6) with { Prompt = "" }).ToJson());
        var outDir = Path.Combine(_dir, "run");
        var (code, err) = Cli(GenerateCommand.Create(), "--config", cfgFile, "--image", file, "--image-elevation", "15", "--image-azimuth",
            "30", "--out", outDir);
        Assert.True(code == 0, err);
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")))!;
        Assert.Equal("builtin-image", (string?)metrics["guidance"]);
        Assert.Equal(SecondRedMushroom().Name, (string?)metrics["nearest_member"]);
        Assert.InRange((double)metrics["input_view_psnr"]!, 0, 100);
        Assert.InRange((double)metrics["input_view_mask_iou"]!, 0, 1);
        Assert.True(File.Exists(Path.Combine(outDir, "input_view.png")));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "config.json")))!;
        Assert.Equal(Path.GetFullPath(file), (string?)config["reference"]!["image"]);
        Assert.Equal(15, (double)config["reference"]!["elevation_deg"]!);
        var steps = File.ReadAllLines(Path.Combine(outDir, "metrics.jsonl"));
        Assert.Contains("\"ref_rgb\"", steps[0]);
        Assert.Contains("\"ref_mask\"", steps[0]);
    }

    [Fact]
    public void BadImageInputsNameTheProblemAndWriteNothing()
    {
        var outDir = Path.Combine(_dir, "out");
        var notImage = Path.Combine(_dir, "notes.png");
        File.WriteAllText(notImage, "not a picture");
        var blank = Path.Combine(_dir, "blank.png");
        ImageIO.SavePng(blank, RgbImage.Filled(32, 32, 1, 1, 1));
        var picture = InputPicture();
        foreach (var (args, expected) in new (string[], string)[]
                 {
                     (new[] { "--image", Path.Combine(_dir, "missing.png") }, "missing.png: file not found"),
                     (new[] { "--image", notImage }, "notes.png: not an image"),
                     (new[] { "--image", blank }, "blank.png"),
                     (new[] { "a red mushroom", "--image", picture }, "drop the prompt"),
                     (new[] { "--image", picture, "--guidance", "builtin" }, "is conditioned on text"),
                     (new[] { "a red mushroom", "--image-elevation", "10" }, "--image-elevation: describes the input picture"),
                     (new[] { "--image", picture, "--image-framing", "tight" }, "reference.framing (--image-framing): tight: unknown"),
                     (new[] { "--image", picture, "--image-elevation", "100" }, "reference.elevation_deg (--image-elevation): is 100;"),
                     (new[] { "--image", picture, "--resolution", "64", "--set", "stages.0.width=32" }, "square"),
                 })
        {
            var (code, err) = Cli(GenerateCommand.Create(), args.Concat(new[] { "--out", outDir }).ToArray());
            Assert.True(code == 2, $"{string.Join(" ", args)}: exit {code}, {err}");
            var line = Assert.Single(err.Trim().Split('\n'));
            Assert.Contains(expected, line);
            Assert.False(Directory.Exists(outDir), string.Join(" ", args));
        }
    }

    [Fact]
    public void CompareTrainsPicturesAndAsksWhetherTheyLandOnThePicturedMember()
    {
        var file = InputPicture();
        var outDir = Path.Combine(_dir, "study");
        var (code, err) = Cli(CompareCommand.Create(), "--images", file, "--image-elevation", "15", "--image-azimuth", "30",
            "--strategies", "uniform",
            "--seeds", "1", "--iterations", "4", "--eval-every", "2", "--resolution", "16", "--out", outDir);
        Assert.True(code == 0, err);
        var csv = File.ReadAllLines(Path.Combine(outDir, "results.csv"));
        Assert.StartsWith("image,strategy,seed,", csv[0]);
        Assert.StartsWith("\"mushroom\",uniform,0,", csv[1]);
        var summary = File.ReadAllText(Path.Combine(outDir, "summary.md"));
        Assert.Contains("lands on the pictured member", summary);
        Assert.Contains("built-in image prior, pictures taken from elevation 15, azimuth 30", summary);
        Assert.True(File.Exists(Path.Combine(outDir, "runs", "mushroom-uniform-seed0.json")));

        foreach (var (args, expected) in new (string[], string)[]
                 {
                     (new[] { "--images", file, "--prompts", "a snowman" }, "not both"),
                     (new[] { "--images", file, "--prior", "learned" }, "built-in image prior"),
                     (new[] { "--image-elevation", "10" }, "give --images"),
                     (new[] { "--images", Path.Combine(_dir, "none.png") }, "none.png: file not found"),
                 })
        {
            var bad = Path.Combine(_dir, "bad-study");
            var (c, e) = Cli(CompareCommand.Create(), args.Concat(new[] { "--out", bad }).ToArray());
            Assert.True(c == 2, $"{string.Join(" ", args)}: exit {c}, {e}");
            Assert.Contains(expected, Assert.Single(e.Trim().Split('\n')));
            Assert.False(Directory.Exists(bad));
        }
    }
}
