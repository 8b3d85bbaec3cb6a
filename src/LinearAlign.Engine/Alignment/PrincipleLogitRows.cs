namespace LinearAlign.Engine.Alignment;

/// <summary>
/// The logits rows of the principles after the first, with their steps: rows of llama.cpp's output buffer (pointers,
/// valid until the next decode) or arrays. A ref struct, so that a step passes them without allocating.
/// </summary>
public readonly unsafe ref struct PrincipleLogitRows
{
    private readonly ReadOnlySpan<nint> _pointers;
    private readonly float[][]? _arrays;
    private readonly ReadOnlySpan<float> _stepSizes;
    private readonly int _length;

    /// <param name="pointers">Each row's first logit; <paramref name="length"/> floats each.</param>
    public PrincipleLogitRows(ReadOnlySpan<nint> pointers, int length, ReadOnlySpan<float> stepSizes)
    {
        _pointers = pointers;
        _length = length;
        _stepSizes = stepSizes;
    }

    public PrincipleLogitRows(float[][] rows, ReadOnlySpan<float> stepSizes)
    {
        _arrays = rows;
        _stepSizes = stepSizes;
    }

    public int Count => _arrays?.Length ?? _pointers.Length;

    public ReadOnlySpan<float> this[int index] => _arrays is not null ? _arrays[index] : new ReadOnlySpan<float>((void*)_pointers[index], _length);

    public float StepSize(int index) => _stepSizes[index];
}
