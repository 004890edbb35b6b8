using System.CommandLine;
using System.Globalization;
using DreamTime.Diffusion;
using DreamTime.Imaging;
using DreamTime.Models.Zero123;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Cli.Commands;

/// <summary>
/// `dreamtime sample-views`: one novel view of the object in a picture, with a Zero-1-to-3 checkpoint (DDIM, eta 0,
/// classifier-free guidance), to check a checkpoint and an input image before image-to-3D.
/// </summary>
public static class SampleViewsCommand
{
    public static Command Create()
    {
        var cmd = new Command("sample-views", "Generate a view of the object in an image from another camera with a Zero-1-to-3 checkpoint in the diffusers community layout (DDIM sampler, classifier-free guidance).");
        var model = new Option<string>("--model") { Description = "Zero-1-to-3 checkpoint folder (model_index.json, image_encoder/, cc_projection/, unet/ with 8 input channels, vae/, scheduler/).", Required = true, HelpName = "DIR" };
        var image = new Option<string>("--image") { Description = "The input picture (PNG or JPEG) of one object: with a transparent background (alpha), or on a plain background, which is removed. The object is centred and scaled to --foreground-ratio of the frame, over white.", Required = true, HelpName = "FILE" };
        var elevation = new Option<double>("--elevation") { Description = "Change of the camera's elevation from the input view, in degrees (positive: seen from higher up).", DefaultValueFactory = _ => 0, HelpName = "DEG" };
        var azimuth = new Option<double>("--azimuth") { Description = "Change of the camera's azimuth from the input view, in degrees (positive: counterclockwise around the vertical axis, seen from above).", DefaultValueFactory = _ => 0, HelpName = "DEG" };
        var radius = new Option<double>("--radius") { Description = "Change of the camera's distance from the object, in the units the checkpoint was trained with (0: as in the input).", DefaultValueFactory = _ => 0, HelpName = "R" };
        var steps = new Option<int>("--steps") { Description = "Number of DDIM steps.", DefaultValueFactory = _ => 50 };
        var guidance = new Option<double>("--guidance-scale") { Description = "Classifier-free guidance scale (1 = the conditional prediction alone; Zero-1-to-3 uses 3).", DefaultValueFactory = _ => 3.0 };
        var ratio = new Option<double>("--foreground-ratio") { Description = "Size of the object's bounding box (its longer side) as a fraction of the input frame.", DefaultValueFactory = _ => 0.85 };
        var seed = new Option<long>("--seed") { Description = "Seed of the initial noise (CPU generator).", DefaultValueFactory = _ => 0 };
        var outPng = new Option<string>("--out") { Description = "Write the view as PNG (replaced if it exists), at the checkpoint's resolution.", Required = true, HelpName = "IMAGE.png" };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var fp16Variant = new Option<bool>("--fp16-variant") { Description = "Read the '*.fp16.safetensors' weight files where the checkpoint has them." };
        foreach (var o in new Option[] { model, image, elevation, azimuth, radius, steps, guidance, ratio, seed, outPng, device, fp16Variant }) cmd.Options.Add(o);

        cmd.SetAction(parse =>
        {
            var err = parse.InvocationConfiguration.Error;
            var output = parse.InvocationConfiguration.Output;
            string png = parse.GetValue(outPng)!;
            AtomicFile.EnsureWritableFile(png, "--out");
            var pose = Zero123Pose.FromCameraChange(parse.GetValue(elevation), parse.GetValue(azimuth), parse.GetValue(radius));
            var request = new Zero123Pipeline.ViewRequest(pose, parse.GetValue(steps), parse.GetValue(guidance), parse.GetValue(seed));
            request.Validate();
            double foreground = parse.GetValue(ratio);
            if (!(foreground > 0 && foreground <= 1)) throw new UserError($"--foreground-ratio {foreground.ToString(CultureInfo.InvariantCulture)}: must be in (0, 1]");

            // the picture is checked before the checkpoint loads, which is the slow part
            var options = new ObjectImageOptions(ForegroundRatio: foreground);
            var cutout = ObjectImage.Cut(parse.GetValue(image)!, options);
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device)!);
            err.WriteLine($"loading {parse.GetValue(model)} on {dev}...");
            using var pipe = Zero123Pipeline.Load(parse.GetValue(model)!, dev, parse.GetValue(fp16Variant));
            var input = ObjectImage.Frame(cutout, options with { Size = pipe.DefaultResolution });

            using var scope = torch.NewDisposeScope();
            using var cond = pipe.EncodeCondition(input.ToTensor());
            Tensor view;
            try { view = pipe.SampleView(cond, request, SampleCommand.StepLog(err)); }
            catch (NonFiniteOutputException e) { throw new UserError($"sample-views: {e.Message}"); }
            ImageIO.SavePng(png, RgbImage.FromTensor(view[0]));
            int size = pipe.DefaultResolution;
            output.WriteLine($"sampled {size}x{size} in {request.Steps} steps (elevation {Deg(parse.GetValue(elevation))}, azimuth {Deg(parse.GetValue(azimuth))}, radius {Deg(parse.GetValue(radius))}), image {png}");
            return 0;
        });
        return cmd;
    }

    private static string Deg(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
