using System.CommandLine;
using System.Globalization;
using DreamTime.Models.Zero123;

namespace DreamTime.Cli.Commands;

/// <summary>
/// `dreamtime sample-views`: one novel view of the object in a picture, with a Zero-1-to-3 checkpoint (DDIM, eta 0,
/// classifier-free guidance), to check a checkpoint and an input image before image-to-3D (<see cref="NovelViewJob"/>).
/// </summary>
public static class SampleViewsCommand
{
    public static Command Create()
    {
        var cmd = new Command("sample-views", "Generate a view of the object in an image from another camera with a Zero-1-to-3 " +
                                              "checkpoint in the diffusers community layout (DDIM sampler, classifier-free guidance).");
        var model = new Option<string>("--model")
        {
            Description = "Zero-1-to-3 checkpoint folder (model_index.json, image_encoder/, cc_projection/, unet/ with 8 input " +
                          "channels, vae/, scheduler/).",
            Required = true,
            HelpName = "DIR",
        };
        var image = new Option<string>("--image")
        {
            Description = "The input picture (PNG or JPEG) of one object: with a transparent background (alpha), or on a plain " +
                          "background, which is removed. The object is centred and scaled to --foreground-ratio of the frame, over " +
                          "white.",
            Required = true,
            HelpName = "FILE",
        };
        var elevation = new Option<double>("--elevation")
        {
            Description = "Change of the camera's elevation from the input view, in degrees (positive: seen from higher up).",
            DefaultValueFactory = _ => 0,
            HelpName = "DEG",
        };
        var azimuth = new Option<double>("--azimuth")
        {
            Description = "Change of the camera's azimuth from the input view, in degrees (positive: counterclockwise around the " +
                          "vertical axis, seen from above).",
            DefaultValueFactory = _ => 0,
            HelpName = "DEG",
        };
        var radius = new Option<double>("--radius")
        {
            Description = "Change of the camera's distance from the object, in the units the checkpoint was trained with (0: as in the " +
                          "input).",
            DefaultValueFactory = _ => 0,
            HelpName = "R",
        };
        var steps = new Option<int>("--steps") { Description = "Number of DDIM steps.", DefaultValueFactory = _ => 50 };
        var guidance = new Option<double>("--guidance-scale")
        {
            Description = "Classifier-free guidance scale (1 = the conditional prediction alone; Zero-1-to-3 uses 3).",
            DefaultValueFactory = _ => 3.0,
        };
        var ratio = new Option<double>("--foreground-ratio")
        {
            Description = "Size of the object's bounding box (its longer side) as a fraction of the input frame.",
            DefaultValueFactory = _ => 0.85,
        };
        var seed = new Option<long>("--seed") { Description = "Seed of the initial noise (CPU generator).", DefaultValueFactory = _ => 0 };
        var outPng = new Option<string>("--out")
        {
            Description = "Write the view as PNG (replaced if it exists), at the checkpoint's resolution.",
            Required = true,
            HelpName = "IMAGE.png",
        };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var fp16Variant = new Option<bool>("--fp16-variant")
        {
            Description = "Read the '*.fp16.safetensors' weight files where the checkpoint has them.",
        };
        foreach (var o in new Option[]
                 {
                     model, image, elevation, azimuth, radius, steps, guidance, ratio, seed, outPng, device, fp16Variant,
                 })
            cmd.Options.Add(o);

        cmd.SetAction(parse =>
        {
            var err = parse.InvocationConfiguration.Error;
            string png = parse.GetValue(outPng)!;
            double el = parse.GetValue(elevation), az = parse.GetValue(azimuth), r = parse.GetValue(radius);
            var pose = Zero123Pose.FromCameraChange(el, az, r);
            var request = new Zero123Pipeline.ViewRequest(pose, parse.GetValue(steps), parse.GetValue(guidance), parse.GetValue(seed));
            int size = NovelViewJob.Run(parse.GetValue(model)!, parse.GetValue(image)!, request, parse.GetValue(ratio),
                parse.GetValue(device)!,
                parse.GetValue(fp16Variant), png, err.WriteLine, SampleCommand.StepLog(err));
            parse.InvocationConfiguration.Output.WriteLine(
                $"sampled {size}x{size} in {request.Steps} steps (elevation {Deg(el)}, azimuth {Deg(az)}, radius {Deg(r)}), image {png}");
            return 0;
        });
        return cmd;
    }

    private static string Deg(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
