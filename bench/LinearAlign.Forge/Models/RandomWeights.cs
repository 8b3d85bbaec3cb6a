using System.Buffers.Binary;
using System.Text;
using LinearAlign.Forge.Gguf;
using static LinearAlign.Forge.Gguf.GgmlTypeLayout;

namespace LinearAlign.Forge.Models;

/// <summary>Seeded uniform weights written straight into a tensor's raw bytes, in any supported type.</summary>
internal static class RandomWeights
{
    private static readonly float UniformHalfWidthPerStd = MathF.Sqrt(3f);

    /// <summary>
    /// Each tensor draws from its own stream, seeded by the model seed and the tensor's name, so its values do not
    /// depend on which other tensors the model has or in which order they are written.
    /// </summary>
    public static ulong TensorSeed(int modelSeed, string tensorName)
    {
        // FNV-1a over the UTF-8 name: string.GetHashCode is randomised per process.
        ulong hash = 0xCBF29CE484222325 ^ (uint)modelSeed;
        foreach (byte b in Encoding.UTF8.GetBytes(tensorName))
        {
            hash = (hash ^ b) * 0x100000001B3;
        }
        return hash;
    }

    /// <summary>Fills with values uniform in [-a, a], a chosen so that their standard deviation is <paramref name="std"/>.</summary>
    public static void FillUniform(Span<byte> destination, GgmlType type, float std, ulong seed)
    {
        var random = new SplitMix64(seed);
        float halfWidth = std * UniformHalfWidthPerStd;
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < destination.Length; i += sizeof(float))
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination[i..], halfWidth * random.NextSymmetric());
                }
                break;
            case GgmlType.F16:
                for (int i = 0; i < destination.Length; i += sizeof(ushort))
                {
                    BinaryPrimitives.WriteHalfLittleEndian(destination[i..], (Half)(halfWidth * random.NextSymmetric()));
                }
                break;
            case GgmlType.Q8_0:
                FillUniformQ8_0(destination, halfWidth, ref random);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type");
        }
    }

    /// <summary>
    /// Draws the int8 quants directly rather than quantising floats: one random byte per value keeps the
    /// 135M preset to a few seconds. Every block shares the scale a/127, so values land in [-128/127 a, a].
    /// </summary>
    private static void FillUniformQ8_0(Span<byte> destination, float halfWidth, ref SplitMix64 random)
    {
        var scale = (Half)(halfWidth / sbyte.MaxValue);
        for (int block = 0; block < destination.Length; block += Q8_0BlockBytes)
        {
            var bytes = destination.Slice(block, Q8_0BlockBytes);
            BinaryPrimitives.WriteHalfLittleEndian(bytes, scale);
            random.NextBytes(bytes[sizeof(ushort)..]);
        }
    }
}
