using System.Buffers;

namespace LinearAlign.Engine.Generation;

/// <summary>
/// A growable array of records in a pool of its own, grown by doubling, so that adding one allocates nothing once
/// warm. Not ArrayPool&lt;T&gt;.Shared: its per-thread caches keep what the reader's thread returns where the inference
/// thread, which rents, never sees it (see <see cref="GenerationStream"/>'s text pool).
/// </summary>
internal sealed class PooledRecords<T> where T : struct
{
    private static readonly ArrayPool<T> Pool = ArrayPool<T>.Create();

    private T[] _items = Pool.Rent(64);

    public int Count { get; private set; }

    public ref readonly T this[int index] => ref _items[index];

    public void Add(in T item)
    {
        Reserve(1);
        _items[Count++] = item;
    }

    public void AddRange(ReadOnlySpan<T> items)
    {
        Reserve(items.Length);
        items.CopyTo(_items.AsSpan(Count));
        Count += items.Length;
    }

    public ReadOnlySpan<T> Slice(int start, int length) => _items.AsSpan(start, length);

    /// <summary>Makes room for <paramref name="more"/> records beyond <see cref="Count"/>.</summary>
    public void Reserve(int more)
    {
        if (Count + more <= _items.Length)
        {
            return;
        }
        var larger = Pool.Rent(Math.Max(_items.Length * 2, Count + more));
        _items.AsSpan(0, Count).CopyTo(larger);
        Pool.Return(_items);
        _items = larger;
    }

    /// <summary>Gives the array back; nothing may be added or read afterwards.</summary>
    public void Release()
    {
        Pool.Return(_items);
        _items = [];
        Count = 0;
    }
}

/// <summary>Token bytes stored back to back in <see cref="PooledRecords{T}"/>, each kept as a <see cref="ByteRange"/>.</summary>
internal sealed class PooledBytes
{
    private readonly PooledRecords<byte> _bytes = new();

    public ByteRange Store(ReadOnlySpan<byte> bytes)
    {
        var start = _bytes.Count;
        _bytes.AddRange(bytes);
        return new ByteRange(start, bytes.Length);
    }

    public byte[] Copy(ByteRange range) => _bytes.Slice(range.Start, range.Length).ToArray();

    public void Release() => _bytes.Release();
}

internal readonly record struct ByteRange(int Start, int Length);

/// <summary>Per-token records of a stream, kept with the offset of each token's text so that they go out with that text.</summary>
internal interface ITokenTrace<T>
{
    /// <summary>The records from <paramref name="from"/> on whose text starts before <paramref name="textLength"/>.</summary>
    List<T> Read(int from, int textLength);

    void Release();
}

/// <summary>
/// Reads a trace as its stream's text is read: each record once, in order; once the stream has ended, those of the
/// final text only (a stop string's text is not the stream's, and the tokens that brought it go with it).
/// </summary>
internal sealed class TokenTraceReader<T>(ITokenTrace<T> trace)
{
    private List<T>? _final;
    private int _read;

    public ITokenTrace<T> Trace => trace;

    public List<T> Take(int textLength)
    {
        var taken = _final is not null ? _final[_read..] : trace.Read(_read, textLength);
        _read += taken.Count;
        return taken;
    }

    /// <summary>The records of the final text; the trace's buffers go back.</summary>
    public List<T> Finish(int textLength)
    {
        _final = trace.Read(0, textLength);
        trace.Release();
        return _final;
    }
}
