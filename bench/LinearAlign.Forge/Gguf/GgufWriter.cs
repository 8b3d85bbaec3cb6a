using System.Text;

namespace LinearAlign.Forge.Gguf;

/// <summary>
/// Collects GGUF v3 metadata and tensors, then writes the file in one pass. Tensor bytes come from each tensor's
/// fill callback while the file is written, one tensor at a time, so a large model never sits in memory whole.
/// </summary>
public sealed class GgufWriter
{
    /// <summary>ggml's default alignment of tensor data; a file that keeps it needs no general.alignment key.</summary>
    public const int Alignment = 32;

    private const int MaxTensorNameBytes = 63; // GGML_MAX_NAME less the terminating zero
    private const int MaxDimensions = 4;

    private static readonly byte[] Padding = new byte[Alignment];

    private readonly List<MetadataEntry> _metadata = [];
    private readonly List<TensorEntry> _tensors = [];

    public void Add(string key, string value) => Add(key, new GgufValue(GgufValueType.String, value));

    public void AddUInt32(string key, uint value) => Add(key, new GgufValue(GgufValueType.UInt32, value));

    public void AddInt32(string key, int value) => Add(key, new GgufValue(GgufValueType.Int32, value));

    public void AddFloat32(string key, float value) => Add(key, new GgufValue(GgufValueType.Float32, value));

    public void AddBool(string key, bool value) => Add(key, new GgufValue(GgufValueType.Bool, value));

    public void AddStringArray(string key, IReadOnlyList<string> values) =>
        Add(key, GgufValue.ArrayOf(GgufValueType.String, values.ToArray()));

    public void AddFloat32Array(string key, IReadOnlyList<float> values) =>
        Add(key, GgufValue.ArrayOf(GgufValueType.Float32, values.ToArray()));

    public void AddInt32Array(string key, IReadOnlyList<int> values) =>
        Add(key, GgufValue.ArrayOf(GgufValueType.Int32, values.ToArray()));

    /// <summary>Adds a value of any GGUF type, such as one read by <see cref="GgufReader"/>; arrays are not copied, so leave them unchanged.</summary>
    public void Add(string key, GgufValue value)
    {
        if (_metadata.Exists(e => e.Key == key))
        {
            throw new ArgumentException($"metadata key '{key}' was already added", nameof(key));
        }
        GgufEncoding.Validate(value);
        _metadata.Add(new MetadataEntry(key, value));
    }

    /// <summary>
    /// Adds a tensor whose shape is given ne0 first, as ggml orders it. <paramref name="fill"/> receives a zeroed span
    /// of exactly the tensor's size and writes its raw bytes in <paramref name="type"/>; it runs during WriteTo.
    /// </summary>
    public void AddTensor(string name, GgmlType type, long[] shape, Action<Span<byte>> fill)
    {
        if (Encoding.UTF8.GetByteCount(name) > MaxTensorNameBytes)
        {
            throw new ArgumentException($"tensor name '{name}' is longer than ggml allows ({MaxTensorNameBytes} bytes)", nameof(name));
        }
        if (_tensors.Exists(t => t.Name == name))
        {
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        }
        if (shape.Length is 0 or > MaxDimensions || Array.Exists(shape, d => d <= 0))
        {
            throw new ArgumentException($"tensor '{name}' needs 1 to {MaxDimensions} positive dimensions", nameof(shape));
        }
        if (shape[0] % type.BlockLength() != 0)
        {
            throw new ArgumentException($"tensor '{name}': ne0 {shape[0]} is not a multiple of the {type} block length {type.BlockLength()}", nameof(shape));
        }
        long byteCount = type.ByteCount(shape);
        if (byteCount > Array.MaxLength)
        {
            throw new ArgumentException($"tensor '{name}' ({byteCount} bytes) is too large to fill through one span", nameof(shape));
        }
        _tensors.Add(new TensorEntry(name, type, [.. shape], (int)byteCount, fill));
    }

    public void WriteTo(string path)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        WriteTo(file);
    }

    /// <summary>Writes the whole file from the stream's current position; the stream need not be seekable.</summary>
    public void WriteTo(Stream stream)
    {
        using var header = new MemoryStream();
        WriteHeader(header);
        header.WriteTo(stream);
        WritePadding(stream, header.Length);

        // One buffer sized for the largest tensor is reused, so memory stays at one tensor whatever the model size.
        var buffer = new byte[_tensors.Count == 0 ? 0 : _tensors.Max(t => t.ByteCount)];
        foreach (var tensor in _tensors)
        {
            var data = buffer.AsSpan(0, tensor.ByteCount);
            data.Clear();
            tensor.Fill(data);
            stream.Write(data);
            WritePadding(stream, tensor.ByteCount);
        }
        stream.Flush();
    }

    private void WriteHeader(Stream header)
    {
        using var w = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true);
        w.Write(GgufEncoding.Magic);
        w.Write(GgufEncoding.Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)_metadata.Count);
        foreach (var entry in _metadata)
        {
            GgufEncoding.WriteString(w, entry.Key);
            GgufEncoding.WriteValue(w, entry.Value);
        }

        // Offsets are relative to the data section and each tensor starts aligned, as gguf.cpp checks exactly.
        long offset = 0;
        foreach (var tensor in _tensors)
        {
            GgufEncoding.WriteString(w, tensor.Name);
            w.Write((uint)tensor.Shape.Length);
            foreach (long dimension in tensor.Shape)
            {
                w.Write((ulong)dimension);
            }
            w.Write((uint)tensor.Type);
            w.Write((ulong)offset);
            offset += Aligned(tensor.ByteCount);
        }
    }

    private static void WritePadding(Stream stream, long writtenSoFar) =>
        stream.Write(Padding, 0, (int)(Aligned(writtenSoFar) - writtenSoFar));

    private static long Aligned(long byteCount) => (byteCount + Alignment - 1) / Alignment * Alignment;

    private sealed record MetadataEntry(string Key, GgufValue Value);

    private sealed record TensorEntry(string Name, GgmlType Type, long[] Shape, int ByteCount, Action<Span<byte>> Fill);
}
