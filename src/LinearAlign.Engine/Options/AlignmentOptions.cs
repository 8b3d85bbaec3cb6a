using System.ComponentModel.DataAnnotations;
using LinearAlign.Engine.Alignment;

namespace LinearAlign.Engine.Options;

/// <summary>Configuration section "Alignment": defaults and limits of the linear alignment update.</summary>
public sealed class AlignmentOptions : IValidatableObject
{
    public const string SectionName = "Alignment";

    public float DefaultStepSize { get; set; } = 2.0f;

    public float MinStepSize { get; set; } = -10f;

    public float MaxStepSize { get; set; } = 20f;

    /// <summary>Most principles one request may combine; each takes one more KV cache sequence.</summary>
    [Range(1, 64)]
    public int MaxPrinciples { get; set; } = 4;

    [EnumDataType(typeof(AlignmentMode))]
    public AlignmentMode DefaultMode { get; set; } = AlignmentMode.Reference;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!(MinStepSize <= MaxStepSize))
        {
            yield return new ValidationResult("Alignment:MinStepSize must not exceed Alignment:MaxStepSize.", [nameof(MinStepSize)]);
        }
        if (!(DefaultStepSize >= MinStepSize && DefaultStepSize <= MaxStepSize))
        {
            yield return new ValidationResult("Alignment:DefaultStepSize must lie within [MinStepSize, MaxStepSize].", [nameof(DefaultStepSize)]);
        }
    }
}
