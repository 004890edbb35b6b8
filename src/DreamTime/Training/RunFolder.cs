using DreamTime.Runtime;

namespace DreamTime.Training;

/// <summary>Names of everything a run writes, in one place.</summary>
public sealed class RunFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string Config => Path.Combine(Root, "config.json");
    public string ScheduleCsv => Path.Combine(Root, "schedule.csv");
    public string SchedulePlot => Path.Combine(Root, "schedule.png");

    /// <summary>A per-stage file: "schedule.csv" for a one-stage run, "schedule_1-refine.csv" for stage 1 of several.</summary>
    public static string ForStage(string path, int index, string name, int stages) =>
        stages == 1 ? path : Path.Combine(Path.GetDirectoryName(path)!,
            $"{Path.GetFileNameWithoutExtension(path)}_{index}-{name}{Path.GetExtension(path)}");
    public string MetricsLog => Path.Combine(Root, "metrics.jsonl");
    public string Metrics => Path.Combine(Root, "metrics.json");
    public string Curves => Path.Combine(Root, "curves.png");
    public string Glb => Path.Combine(Root, "model.glb");
    public string Obj => Path.Combine(Root, "model.obj");
    public string MeshPreview => Path.Combine(Root, "mesh_preview.png");
    public string Previews => Path.Combine(Root, "previews");
    public string Turntable => Path.Combine(Root, "turntable");
    public string TurntableGif => Path.Combine(Root, "turntable.gif");
    public string TurntableSheet => Path.Combine(Root, "turntable_sheet.png");
    public string Comparison => Path.Combine(Root, "comparison.png");
    /// <summary>Image-to-3D: the prepared input picture beside the result seen from the input camera.</summary>
    public string InputView => Path.Combine(Root, "input_view.png");
    public string Checkpoints => Path.Combine(Root, "checkpoints");
    /// <summary>Where particle k (k > 0) of a run with particles keeps its asset, turntable and comparison.</summary>
    public string Particle(int k) => Path.Combine(Root, "particles", k.ToString(System.Globalization.CultureInfo.InvariantCulture));
    /// <summary>The checkpoint of one stage ("checkpoints/0-nerf"): each stage is a training session of its own.</summary>
    public string StageCheckpoint(int index, string name) => Path.Combine(Checkpoints, $"{index}-{name}");

    public string LockFile => Path.Combine(Root, ".lock");

    /// <summary>
    /// Holds the folder for one process: two processes training into one folder would interleave metrics.jsonl and
    /// overwrite each other's checkpoints. Null when the folder does not exist yet.
    /// </summary>
    public RunFolderLock? Lock()
    {
        if (!Directory.Exists(Root)) return null;
        try
        {
            return new RunFolderLock(new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), LockFile);
        }
        catch (IOException) when (File.Exists(LockFile))
        {
            throw new UserError($"run folder {Root}: another dreamtime process is training in it ({LockFile} is held); " +
                "wait for it to finish, or give this run another folder");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"run folder {Root}: cannot write its lock file ({e.Message})");
        }
    }

    /// <summary>
    /// Whether a process (this one included) is training in the folder now. Probing takes the lock for a moment, so
    /// it is done only where the lock file is there.
    /// </summary>
    public bool IsHeld()
    {
        if (!File.Exists(LockFile)) return false;
        try
        {
            using var probe = Lock();
            return false;
        }
        catch (UserError) when (File.Exists(LockFile))
        {
            return true;
        }
    }

    /// <summary>
    /// A new run needs a folder that does not exist (or --overwrite, which clears it). Checked before any work.
    /// </summary>
    public void PrepareNew(bool overwrite)
    {
        if (File.Exists(Root)) throw new UserError($"run folder {Root}: is a file, not a folder");
        if (Directory.Exists(Root) && Directory.EnumerateFileSystemEntries(Root).Any(e => e != LockFile))
        {
            if (!overwrite)
                throw new UserError($"run folder {Root}: exists and is not empty; allow overwriting it to replace it, " +
                    "or resume the run in it to continue it");
            try { Directory.Delete(Root, true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UserError($"run folder {Root}: cannot clear the folder ({e.Message})");
            }
        }
        AtomicFile.EnsureWritableFolder(Root, "run folder");
    }
}
