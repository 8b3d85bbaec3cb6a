using System.Text;

namespace LinearAlign.Forge.Gguf;

/// <summary>
/// Reads the metadata of a GGUF file (v2 or v3, which lay it out alike): every key and value, in file order, without
/// the tensors, so this is cheap even for a large model (llama.cpp's vocabulary-only models/ggml-vocab-*.gguf); and,
/// for small models such as a trained one that llama.cpp saved, the tensors too.
/// </summary>
public static class GgufReader
{
    /// <summary>v1 used 32-bit lengths and counts; it predates every file this reads.</summary>
    private const uint OldestVersion = 2;

    public static OrderedDictionary<string, GgufValue> ReadMetadata(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return ReadMetadata(file);
    }

    /// <summary>Reads from the stream's current position, which must be the start of the file.</summary>
    public static OrderedDictionary<string, GgufValue> ReadMetadata(Stream stream)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        return ReadMetadata(reader, out _);
    }

    /// <summary>Every tensor with its data, in file order.</summary>
    public static IReadOnlyList<GgufTensor> ReadTensors(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        using var reader = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
        var metadata = ReadMetadata(reader, out ulong tensorCount);
        long alignment = metadata.TryGetValue("general.alignment", out var value) ? Convert.ToInt64(value.Value) : GgufWriter.Alignment;
        var infos = new List<(string Name, long[] Shape, GgmlType Type, long Offset)>();
        for (ulong i = 0; i < tensorCount; i++)
        {
            string name = GgufEncoding.ReadString(reader);
            var shape = new long[reader.ReadUInt32()];
            for (int d = 0; d < shape.Length; d++)
            {
                shape[d] = (long)reader.ReadUInt64();
            }
            infos.Add((name, shape, (GgmlType)reader.ReadUInt32(), (long)reader.ReadUInt64()));
        }
        long dataStart = (file.Position + alignment - 1) / alignment * alignment;
        var tensors = new List<GgufTensor>(infos.Count);
        foreach (var (name, shape, type, offset) in infos)
        {
            file.Position = dataStart + offset;
            tensors.Add(new GgufTensor(name, type, shape, reader.ReadBytes((int)type.ByteCount(shape))));
        }
        return tensors;
    }

    private static OrderedDictionary<string, GgufValue> ReadMetadata(BinaryReader reader, out ulong tensorCount)
    {
        uint magic = reader.ReadUInt32();
        if (magic != GgufEncoding.Magic)
        {
            throw new InvalidDataException($"not a GGUF file (magic 0x{magic:X8})");
        }
        uint version = reader.ReadUInt32();
        if (version is < OldestVersion or > GgufEncoding.Version)
        {
            throw new InvalidDataException($"GGUF version {version} is not supported ({OldestVersion} to {GgufEncoding.Version} are)");
        }
        tensorCount = reader.ReadUInt64();
        ulong keyCount = reader.ReadUInt64();

        var metadata = new OrderedDictionary<string, GgufValue>(StringComparer.Ordinal);
        for (ulong i = 0; i < keyCount; i++)
        {
            string key = GgufEncoding.ReadString(reader);
            if (!metadata.TryAdd(key, GgufEncoding.ReadValue(reader)))
            {
                throw new InvalidDataException($"metadata key '{key}' occurs twice");
            }
        }
        return metadata;
    }
}

/// <summary>A tensor as a GGUF file stores it: shape ne0 first, raw bytes in its type.</summary>
public sealed record GgufTensor(string Name, GgmlType Type, long[] Shape, byte[] Data);
