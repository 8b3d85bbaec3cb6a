using System.Text;

namespace LinearAlign.TestFixtures.Gguf;

/// <summary>
/// Reads the metadata of a GGUF file (v2 or v3, which lay it out alike): every key and value, in file order. The
/// tensors are not read, so this is cheap even for a large model; it is meant for files such as llama.cpp's
/// vocabulary-only models/ggml-vocab-*.gguf.
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
        _ = reader.ReadUInt64(); // tensor count: the tensor infos follow the metadata and are not read
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
