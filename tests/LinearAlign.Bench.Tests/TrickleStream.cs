using System.Text;

namespace LinearAlign.Bench.Tests;

/// <summary>A read-only stream that hands out its text a few bytes per read, as a network does, splitting lines and characters.</summary>
public sealed class TrickleStream(string text, int bytesPerRead) : Stream
{
    private readonly MemoryStream _inner = new(Encoding.UTF8.GetBytes(text));

    public int Reads { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        Reads++;
        return _inner.Read(buffer, offset, Math.Min(count, bytesPerRead));
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Reads++;
        return _inner.ReadAsync(buffer[..Math.Min(buffer.Length, bytesPerRead)], cancellationToken);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
