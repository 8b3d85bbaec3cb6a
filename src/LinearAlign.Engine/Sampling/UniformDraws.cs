namespace LinearAlign.Engine.Sampling;

/// <summary>
/// The uniform numbers llama.cpp's dist sampler draws from a seed, one per draw: std::mt19937 seeded with it, read by
/// std::uniform_real_distribution&lt;double&gt;(0, 1) as libstdc++ implements it (generate_canonical&lt;double, 53&gt;:
/// two 32-bit outputs, low word first). Knowing the number the chain drew lets the principled distribution be drawn
/// from with the same number without running llama.cpp's scalar softmax over the vocabulary a second time; a test
/// checks these numbers against the sampler's choices.
/// </summary>
internal sealed class UniformDraws
{
    private const int StateSize = 624;
    private const int Shift = 397;
    private readonly uint[] _state = new uint[StateSize];
    private int _index = StateSize;

    public UniformDraws(uint seed)
    {
        _state[0] = seed;
        for (var i = 1; i < StateSize; i++)
        {
            _state[i] = 1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i;
        }
    }

    /// <summary>The next number in [0, 1).</summary>
    public double Next()
    {
        double sum = NextWord();
        sum += NextWord() * 4294967296.0;
        var uniform = sum / 18446744073709551616.0;
        return uniform >= 1.0 ? Math.BitDecrement(1.0) : uniform;
    }

    /// <summary>std::mt19937's next output.</summary>
    public uint NextWord()
    {
        if (_index >= StateSize)
        {
            Twist();
        }
        var y = _state[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        return y ^ (y >> 18);
    }

    private void Twist()
    {
        for (var i = 0; i < StateSize; i++)
        {
            var y = (_state[i] & 0x80000000u) | (_state[(i + 1) % StateSize] & 0x7fffffffu);
            _state[i] = _state[(i + Shift) % StateSize] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
        }
        _index = 0;
    }
}
