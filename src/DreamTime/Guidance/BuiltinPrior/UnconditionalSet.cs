namespace DreamTime.Guidance.BuiltinPrior;

/// <summary>Which members form the unconditional model of classifier-free guidance.</summary>
public enum UnconditionalSet
{
    /// <summary>Every member of every family: what the empty prompt selects, i.e. the data distribution with no condition.</summary>
    AllFamilies,
    /// <summary>The prompt's family only: guidance then sharpens the named attributes within the family (cheaper to render).</summary>
    Family,
}
