using System.Buffers.Binary;
using static LinearAlign.Forge.Gguf.GgmlTypeLayout;

namespace LinearAlign.Forge.Gguf;

/// <summary>Overwrites single values in the raw bytes of one tensor row, in any supported type.</summary>
internal static class TensorRowValues
{
    /// <summary>
    /// Sets value <paramref name="index"/> of <paramref name="row"/>. In Q8_0 the value's block gets the scale its
    /// largest value needs and the other 31 are quantised again to it, so a value far above the rest is stored
    /// exactly, to the precision of the fp16 scale.
    /// </summary>
    public static void Set(Span<byte> row, GgmlType type, int index, float value)
    {
        switch (type)
        {
            case GgmlType.F32:
                BinaryPrimitives.WriteSingleLittleEndian(row[(index * sizeof(float))..], value);
                break;
            case GgmlType.F16:
                BinaryPrimitives.WriteHalfLittleEndian(row[(index * sizeof(ushort))..], (Half)value);
                break;
            case GgmlType.Q8_0:
                SetQ8_0(row.Slice(index / Q8_0BlockLength * Q8_0BlockBytes, Q8_0BlockBytes), index % Q8_0BlockLength, value);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type");
        }
    }

    private static void SetQ8_0(Span<byte> block, int index, float value)
    {
        var quants = block[sizeof(ushort)..];
        var scale = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
        Span<float> values = stackalloc float[Q8_0BlockLength];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = scale * (sbyte)quants[i];
        }
        values[index] = value;

        var largest = 0f;
        foreach (var v in values)
        {
            largest = Math.Max(largest, Math.Abs(v));
        }
        var newScale = (Half)(largest / sbyte.MaxValue);
        BinaryPrimitives.WriteHalfLittleEndian(block, newScale);
        for (var i = 0; i < values.Length; i++)
        {
            quants[i] = newScale == Half.Zero ? (byte)0 : unchecked((byte)(sbyte)Math.Clamp(MathF.Round(values[i] / (float)newScale), -128, 127));
        }
    }
}
