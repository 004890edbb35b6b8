using DreamTime.Diffusion;
using DreamTime.Evaluation;
using DreamTime.Guidance;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Representations.Nerf;
using DreamTime.Scenes;

namespace DreamTime.Configuration;

/// <summary>
/// Every guidance and representation the configuration can name, and how each is built. Adding one is a
/// settings type, the component type, and one Register call here (timestep strategies register in
/// <see cref="TimestepStrategies"/>).
/// </summary>
public static class Components
{
    public static ComponentRegistry<GuidanceSettings, GuidanceComponents> Guidance { get; } = new("guidance");
    public static ComponentRegistry<RepresentationSettings, IRepresentation> Representation { get; } = new("representation");

    static Components()
    {
        Guidance.Register<BuiltinPriorSettings>("builtin",
            "the built-in prior: closed-form denoiser (posterior mean over members, tempered by guidance.temperature_pixels) of " +
            "procedural scene families, scored against ground truth (no downloads)",
            (s, ctx) =>
            {
                // the members are rendered as what the stage feeds the guidance: shaded, or as normal images
                var input = ctx.Stage.GuidanceModality;
                var guidance = new BuiltinPriorGuidance(ctx.Config.Prompt, s.ToOptions() with { Input = input });
                var views = CameraSampler.EvaluationViews(ctx.Config.Cameras);
                var members = ctx.Config.EvaluationPrompt is null ? guidance.Selection.Members : EvaluationSelection(ctx.Config).Members;
                var evaluation = new PriorEvaluation(members, views, ctx.Config.EvalResolution, ctx.Config.EvalResolution, modality: input);
                return new GuidanceComponents(guidance, new PriorQualityEvaluator(evaluation));
            });
        Guidance.Register<BuiltinImagePriorSettings>("builtin-image",
            "the built-in prior conditioned on an input picture (reference.image) instead of a prompt: " +
            "members weighted by how well each, seen from the input camera, explains the picture; " +
            "scored against the most likely one (no downloads)",
            (s, ctx) =>
            {
                var reference = ctx.Config.LoadReference()
                    ?? throw new Runtime.UserError("reference", "is null; guidance builtin-image needs an input picture (reference.image)");
                // the picture weighs the members by its colours; the members the denoiser averages are in the stage's modality
                var input = ctx.Stage.GuidanceModality;
                BuiltinPriorGuidance guidance;
                using (reference.Image) using (reference.Mask)
                    guidance = BuiltinPriorGuidance.ForImage(reference, s.ToOptions() with { Input = input }, s.ImageNoise);
                // the ground truth is the member the picture most likely shows: for `prior render --member`, that member
                var views = CameraSampler.EvaluationViews(ctx.Config.Cameras);
                var evaluation = new PriorEvaluation(new[] { guidance.Selection.Members[0] }, views, ctx.Config.EvalResolution,
                    ctx.Config.EvalResolution, modality: input);
                return new GuidanceComponents(guidance, new PriorQualityEvaluator(evaluation));
            });
        Guidance.Register<Zero123Settings>("zero123",
            "a Zero-1-to-3 checkpoint in the diffusers community layout (guidance.model) for image-to-3D (reference.image): " +
            "novel views of the input picture guide the other cameras",
            (s, ctx) =>
            {
                if (ctx.Config.Reference == null)
                    throw new Runtime.UserError("reference", "is null; guidance zero123 needs an input picture (reference.image)");
                var pipeline = Runtime.UserError.InSection("guidance", () =>
                    Models.Zero123.Zero123Pipeline.Load(s.Model, ctx.Device,
                        preferFp16Variant: ctx.Device.type == TorchSharp.DeviceType.CUDA));
                try
                {
                    // Zero-1-to-3 conditions on a picture through CLIP's vision model: a LoRA adapts its UNet only
                    foreach (var lora in s.Loras)
                        Models.Lora.LoraMerge.ApplyFile(
                            new Dictionary<string, TorchSharp.torch.nn.Module> { ["unet"] = pipeline.Unet }, lora);
                    // the picture at the model's own resolution: the training-size copy would blur what CLIP and the VAE see
                    var reference = ctx.Config.Reference.Load(s, ctx.Config.Cameras, s.Resolution ?? pipeline.DefaultResolution);
                    using (reference.Image) using (reference.Mask)
                        return new GuidanceComponents(new Guidance.Zero123.Zero123Guidance(pipeline, s.ToOptions(), reference.Image,
                            reference.Camera, ownsPipeline: true), null);
                }
                catch
                {
                    pipeline.Dispose();
                    throw;
                }
            });
        Guidance.Register<StableDiffusionSettings>("stable-diffusion",
            "a Stable Diffusion checkpoint in the diffusers folder layout (guidance.model)",
            (s, ctx) =>
            {
                var pipeline = Runtime.UserError.InSection("guidance", () =>
                    StableDiffusionPipeline.Load(s.Model, ctx.Device, preferFp16Variant: ctx.Device.type == TorchSharp.DeviceType.CUDA));
                try
                {
                    ApplyLoras(pipeline, s);
                    bool fourChannelLatents = !pipeline.IsPixelSpace
                        && pipeline.LatentChannels == StableDiffusionGuidance.NormalLatentChannels;
                    var options = s.ToOptions(ctx.Stage.GuidanceModality, ctx.Stage.Iterations, fourChannelLatents);
                    return Runtime.UserError.InSection("guidance", () =>
                        new GuidanceComponents(new StableDiffusionGuidance(pipeline, options, ownsPipeline: true), null));
                }
                catch
                {
                    pipeline.Dispose();
                    throw;
                }
            });

        Guidance.Register<LearnedPriorSettings>("learned",
            "the learned prior: a small pixel-space diffusion model trained on the built-in scene families (ships with DreamTime; " +
            "`prior train` makes others), scored against the built-in prior's members",
            (s, ctx) =>
            {
                // the ground truth first: a prompt outside the families' vocabulary fails before the model loads
                var evaluator = LearnedPriorEvaluator(ctx);
                var input = ctx.Stage.GuidanceModality;
                var pipeline = Runtime.UserError.InSection("guidance", () => StableDiffusionPipeline.Load(s.ModelFolder, ctx.Device));
                try
                {
                    if (!pipeline.IsPixelSpace)
                        throw new Runtime.UserError("guidance.model",
                            $"{s.ModelFolder} has a vae/; a learned prior is a pixel-space model " +
                            "(use the stable-diffusion guidance for latent checkpoints)");
                    ApplyLoras(pipeline, s);
                    return new GuidanceComponents(
                        new StableDiffusionGuidance(pipeline, s.ToOptions() with { Input = input }, ownsPipeline: true), evaluator);
                }
                catch
                {
                    pipeline.Dispose();
                    throw;
                }
            });

        Guidance.Register<VsdSettings>("vsd",
            "variational score distillation (ProlificDreamer): a LoRA copy of the model, conditioned on the camera and trained on " +
            "the renders, replaces SDS's noise; the shipped learned prior (scored against the families' members) or guidance.model, " +
            "a diffusers folder",
            (s, ctx) =>
            {
                // the learned prior's ground truth first, so that a prompt outside the families fails before the model loads
                PriorQualityEvaluator? evaluator = null;
                if (s.Model is null) evaluator = LearnedPriorEvaluator(ctx);
                var pipeline = Runtime.UserError.InSection("guidance", () =>
                    StableDiffusionPipeline.Load(s.ModelFolder, ctx.Device,
                        preferFp16Variant: ctx.Device.type == TorchSharp.DeviceType.CUDA));
                try
                {
                    if (s.Model is not null && pipeline.IsPixelSpace) evaluator = LearnedPriorEvaluator(ctx);
                    ApplyLoras(pipeline, s);
                    var options = s.ToOptions() with { Input = ctx.Stage.GuidanceModality };
                    return Runtime.UserError.InSection("guidance", () => new GuidanceComponents(
                        new StableDiffusionGuidance(pipeline, options, ownsPipeline: true, s.ToVsdOptions(ctx.StageSeed)), evaluator));
                }
                catch
                {
                    pipeline.Dispose();
                    throw;
                }
            });

        Representation.Register<NerfSettings>("nerf",
            "a NeRF: multi-resolution hash grid, density and albedo MLPs, a background MLP; exported by marching cubes",
            (s, ctx) =>
            {
                var nerf = new NerfRepresentation(s, ctx.StageSeed);
                if (ctx.Previous is NerfRepresentation previous) nerf.CopyFrom(previous);
                return nerf;
            });
        Representation.Register<DmtetSettings>("dmtet",
            "a DMTet mesh: signed distance and offset per vertex of a tetrahedral grid, marching tetrahedra, a differentiable " +
            "rasteriser, a 3D texture field; built from the previous stage's NeRF (init previous), a sphere, an ellipsoid or a mesh file",
            (s, ctx) => Representations.Dmtet.DmtetRepresentation.Create(s, ctx.StageSeed, ctx.Previous, ctx.Config.Cameras));
    }

    /// <summary>Merges the guidance's LoRA files into its model, in order, before any prompt is encoded.</summary>
    private static void ApplyLoras(StableDiffusionPipeline pipeline, GuidanceSettings s)
    {
        foreach (var lora in s.Loras) pipeline.ApplyLora(lora);
    }

    /// <summary>A model trained on the built-in families is scored against the members the prompt (or evaluation_prompt) names.</summary>
    private static PriorQualityEvaluator LearnedPriorEvaluator(ComponentContext ctx)
    {
        var selection = EvaluationSelection(ctx.Config);
        var views = CameraSampler.EvaluationViews(ctx.Config.Cameras);
        return new PriorQualityEvaluator(new PriorEvaluation(selection.Members, views, ctx.Config.EvalResolution,
            ctx.Config.EvalResolution, modality: ctx.Stage.GuidanceModality));
    }

    /// <summary>The members the evaluation_prompt (or else the prompt) names; a bad evaluation_prompt is an error naming it.</summary>
    private static PromptSelection EvaluationSelection(TrainConfig config)
    {
        if (config.EvaluationPrompt is not string prompt) return PriorLibrary.Default.Select(config.Prompt);
        try { return PriorLibrary.Default.Select(prompt); }
        catch (Runtime.UserError e) { throw new Runtime.UserError("evaluation_prompt", e.Detail); }
    }
}
