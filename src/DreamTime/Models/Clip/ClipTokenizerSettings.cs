namespace DreamTime.Models.Clip;

/// <summary>What the JSON files of a transformers tokenizer folder say about special tokens and length.</summary>
internal sealed record ClipTokenizerSettings(
    NamedToken Bos, NamedToken Eos, NamedToken Pad, NamedToken Unk, int MaxLength,
    IReadOnlyDictionary<string, int> AddedTokens);
