namespace DreamTime.Finetuning;

/// <summary>How a fine-tuning run ended: the folder, the step reached, whether it finished, and where the result is.</summary>
public sealed record FinetuneResult(FinetuneFolder Folder, int Step, bool Completed, string? Output);
