using System.Buffers.Binary;

namespace LinearAlign.Forge.Models;

/// <summary>
/// SplitMix64: a tiny, fast generator whose output is fixed by its definition, unlike System.Random's seeded
/// sequence, which .NET does not promise to keep across versions; forged weights must stay byte-identical.
/// </summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [-1, 1), from the top 24 bits: exactly as many as a float's mantissa holds.</summary>
    public float NextSymmetric() => (NextUInt64() >> 40) * (2f / (1 << 24)) - 1f;

    /// <summary>Uniform in [0, 1), from the top 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="count"/>); the modulo bias is below 2^-40 for any count a test uses.</summary>
    public int NextInt(int count) => (int)(NextUInt64() % (ulong)count);

    public T Pick<T>(IReadOnlyList<T> items) => items[NextInt(items.Count)];

    public void NextBytes(Span<byte> destination)
    {
        while (destination.Length >= sizeof(ulong))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination, NextUInt64());
            destination = destination[sizeof(ulong)..];
        }
        if (!destination.IsEmpty)
        {
            Span<byte> last = stackalloc byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(last, NextUInt64());
            last[..destination.Length].CopyTo(destination);
        }
    }
}
