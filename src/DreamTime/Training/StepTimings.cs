namespace DreamTime.Training;

/// <summary>Seconds a trainer's steps spent in each part, added up while set (for `benchmark pipeline`).</summary>
public sealed class StepTimings
{
    /// <summary>The representation's and guidance's update_step hooks (the occupancy grid's updates).</summary>
    public double Update { get; set; }
    public double Render { get; set; }
    /// <summary>The guidance's step: noise, the prior's prediction, the SDS loss.</summary>
    public double Guidance { get; set; }
    public double Backward { get; set; }
    /// <summary>The representation's regularisers, loss bookkeeping (and image-to-3D's reference-view render), the gradient check
    /// and the optimiser step.</summary>
    public double Optimizer { get; set; }
    public int Steps { get; set; }
    /// <summary>The whole step: every part above.</summary>
    public double Total => Update + Render + Guidance + Backward + Optimizer;
}
