using System.CommandLine;
using DreamTime.Models.Clip;

namespace DreamTime.Cli.Commands;

/// <summary>`dreamtime tokenize`: prints the CLIP token ids of a prompt as a JSON array.</summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var cmd = new Command("tokenize",
            "Print the CLIP token ids of a prompt, as the checkpoint's text encoder receives them, as one JSON array on one line.");
        var model = new Option<string>("--model")
        {
            Description = "Diffusers checkpoint folder (with model_index.json); its tokenizer/ subfolder (vocab.json, merges.txt, " +
                          "tokenizer_config.json) is used.",
            Required = true,
            HelpName = "DIR",
        };
        var padded = new Option<bool>("--padded")
        {
            Description = "Print exactly model_max_length ids (77 for Stable Diffusion): truncated with the end token kept last, or " +
                          "filled with the pad token. Without it: all ids, start and end tokens included, unpadded.",
        };
        var text = new Argument<string>("text") { Description = "The prompt (quote it; \"\" for the empty prompt)." };
        cmd.Options.Add(model);
        cmd.Options.Add(padded);
        cmd.Arguments.Add(text);
        cmd.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var tokenizer = CheckpointTokenizer.Load(parse.GetValue(model)!);
            var prompt = parse.GetValue(text) ?? "";
            if (!parse.GetValue(padded))
            {
                output.WriteLine(FormatIds(tokenizer.Encode(prompt).Select(i => (long)i)));
                return 0;
            }
            var ids = tokenizer.EncodePadded(prompt, out bool truncated);
            if (truncated)
                parse.InvocationConfiguration.Error.WriteLine(
                    $"warning: the prompt has {tokenizer.Encode(prompt).Length} tokens (start and end included); truncated to " +
                    $"{tokenizer.MaxLength}.");
            output.WriteLine(FormatIds(ids));
            return 0;
        });
        return cmd;
    }

    public static string FormatIds(IEnumerable<long> ids) => "[" + string.Join(",", ids) + "]";
}
