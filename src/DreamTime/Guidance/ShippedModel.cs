namespace DreamTime.Guidance;

/// <summary>
/// The learned prior that ships with DreamTime (models/learned-prior in the repository, copied beside the
/// binaries at build time), trained by the command in the README; its training settings are in training_config.json beside it.
/// </summary>
public static class ShippedModel
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "models", "learned-prior");
}
