namespace LinearAlign.Forge.Gguf;

/// <summary>How many values one storage block of a type holds and how many bytes it takes, as ggml lays them out.</summary>
internal static class GgmlTypeLayout
{
    /// <summary>Q8_0 stores 32 values as one fp16 scale followed by 32 signed 8-bit quants.</summary>
    public const int Q8_0BlockLength = 32;
    public const int Q8_0BlockBytes = sizeof(ushort) + Q8_0BlockLength;

    public static int BlockLength(this GgmlType type) => type switch
    {
        GgmlType.F32 or GgmlType.F16 => 1,
        GgmlType.Q8_0 => Q8_0BlockLength,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type"),
    };

    public static int BlockBytes(this GgmlType type) => type switch
    {
        GgmlType.F32 => sizeof(float),
        GgmlType.F16 => 2,
        GgmlType.Q8_0 => Q8_0BlockBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type"),
    };

    /// <summary>Bytes of a tensor of this type and shape; ne0 must be a whole number of blocks.</summary>
    public static long ByteCount(this GgmlType type, IReadOnlyList<long> shape)
    {
        long blocks = shape[0] / type.BlockLength();
        for (int i = 1; i < shape.Count; i++)
        {
            blocks *= shape[i];
        }
        return blocks * type.BlockBytes();
    }
}
