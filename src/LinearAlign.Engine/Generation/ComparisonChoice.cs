namespace LinearAlign.Engine.Generation;

/// <summary>The choices of a comparison (<c>alignment_compare</c>), by their index in the response.</summary>
public enum ComparisonChoice
{
    /// <summary>Linear alignment: W's and U's logits combined with the step size.</summary>
    LinearAlignment = 0,

    /// <summary>The principle in the prompt only: W's logits, as at step size 0.</summary>
    PrincipleInPrompt = 1,

    /// <summary>The base model: U's logits, the dialog without the principle.</summary>
    Base = 2,
}
