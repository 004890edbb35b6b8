using System.CommandLine;
using System.Globalization;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Lora;

namespace DreamTime.Cli.Commands;

/// <summary>
/// `dreamtime sample`: text-to-image with a diffusers Stable Diffusion checkpoint (DDIM, eta 0, classifier-free
/// guidance), as diffusers' StableDiffusionPipeline with a DDIMScheduler computes it (<see cref="TextToImageJob"/>).
/// </summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var cmd = new Command("sample", "Generate an image from a prompt with a Stable Diffusion checkpoint in the diffusers folder " +
                                        "layout (the checkpoint's sampler: DDPM for a DDPMScheduler, DDIM otherwise; classifier-free " +
                                        "guidance).");
        var model = new Option<string>("--model")
        {
            Description = "Diffusers checkpoint folder (model_index.json, text_encoder/, tokenizer/, unet/, vae/, scheduler/; without " +
                          "vae/ a pixel-space model).",
            Required = true,
            HelpName = "DIR",
        };
        var prompt = new Option<string>("--prompt") { Description = "The prompt.", Required = true };
        var negative = new Option<string>("--negative-prompt")
        {
            Description = "Negative prompt (the unconditional branch of guidance).",
            DefaultValueFactory = _ => "",
        };
        var steps = new Option<int>("--steps") { Description = "Number of sampler steps.", DefaultValueFactory = _ => 50 };
        var scheduler = new Option<string?>("--scheduler")
        {
            Description = "Sampler: ddim (deterministic, eta 0) or ddpm (ancestral); default: the checkpoint's scheduler (DDPM for a " +
                          "DDPMScheduler, DDIM for every other class).",
            HelpName = "ddim|ddpm",
        };
        var guidance = new Option<double>("--guidance")
        {
            Description = "Classifier-free guidance scale (1 = none).",
            DefaultValueFactory = _ => 7.5,
        };
        var height = new Option<int?>("--height")
        {
            Description = "Image height in pixels (multiple of 8 with a VAE); default: the UNet's sample_size times the VAE scale factor.",
        };
        var width = new Option<int?>("--width") { Description = "Image width in pixels (multiple of 8); default as --height." };
        var seed = new Option<long>("--seed")
        {
            Description = "Seed of the initial noise and of DDPM's step noise (CPU generator).",
            DefaultValueFactory = _ => 0,
        };
        var initLatents = new Option<string?>("--init-latents")
        {
            Description = "Safetensors file with one float tensor 'latents' [1, C, H/f, W/f] to start from instead of seeded noise.",
            HelpName = "FILE",
        };
        var outPng = new Option<string?>("--out") { Description = "Write the image as PNG.", HelpName = "IMAGE.png" };
        var outTensor = new Option<string?>("--out-tensor")
        {
            Description = "Write a safetensors file with one float32 tensor 'image' [1, H, W, 3] in [0, 1].",
            HelpName = "FILE",
        };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var fp16Variant = new Option<bool>("--fp16-variant")
        {
            Description = "Read the '*.fp16.safetensors' weight files where the checkpoint has them.",
        };
        var lora = LoraOption();
        foreach (var o in new Option[]
                 {
                     model, prompt, negative, steps, scheduler, guidance, height, width, seed, initLatents, outPng, outTensor,
                     device, fp16Variant, lora,
                 })
            cmd.Options.Add(o);

        KeyFlags.Add(cmd, "sampler", scheduler);
        KeyFlags.Add(cmd, "guidance_scale", guidance);
        cmd.SetAction(parse =>
        {
            var err = parse.InvocationConfiguration.Error;
            string? png = parse.GetValue(outPng), tensorOut = parse.GetValue(outTensor);
            var request = new StableDiffusionPipeline.TextToImageRequest(parse.GetValue(prompt)!, parse.GetValue(negative)!,
                parse.GetValue(steps), parse.GetValue(guidance), parse.GetValue(height), parse.GetValue(width), parse.GetValue(seed),
                Sampler: parse.GetValue(scheduler));
            var done = TextToImageJob.Run(parse.GetValue(model)!, request, parse.GetValue(device)!, parse.GetValue(fp16Variant),
                parse.GetValue(initLatents), png, tensorOut, err.WriteLine, StepLog(err),
                (parse.GetValue(lora) ?? []).Select(l => LoraFile.ParseReference(l)).ToList());
            if (done.PromptTruncated) err.WriteLine($"warning: --prompt is longer than {done.MaxTokens} tokens and was truncated");
            if (done.NegativePromptTruncated) err.WriteLine($"warning: --negative-prompt is longer than {done.MaxTokens} tokens and " +
                                                            "was truncated");
            parse.InvocationConfiguration.Output.WriteLine($"sampled {done.Width}x{done.Height} in {done.Steps} steps" +
                (png != null ? $", image {png}" : "") + (tensorOut != null ? $", tensor {tensorOut}" : ""));
            return 0;
        });
        return cmd;
    }

    /// <summary>`--lora FILE[:SCALE]`, repeatable: what `sample` and `generate` share.</summary>
    public static Option<string[]> LoraOption() => new("--lora")
    {
        Description = "Merge a LoRA file (diffusers/PEFT or kohya safetensors) into the model first, scaled by SCALE (default 1); " +
                      "repeat for several.",
        HelpName = "FILE[:SCALE]",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>A sampler's progress callback that writes one line per step: step i/n, timestep, seconds since it was made.</summary>
    public static Action<int, int, int> StepLog(TextWriter err)
    {
        var started = DateTime.UtcNow;
        return (i, n, t) =>
        {
            var seconds = (DateTime.UtcNow - started).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
            err.WriteLine($"step {i}/{n} t={t} ({seconds} s)");
        };
    }
}
