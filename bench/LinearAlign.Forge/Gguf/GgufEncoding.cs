using System.Text;

namespace LinearAlign.Forge.Gguf;

/// <summary>How GGUF v3 encodes its header: the file's magic and version, strings and typed metadata values.</summary>
internal static class GgufEncoding
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    public const uint Version = 3;

    /// <summary>The one table of GGUF value types: each maps to a CLR type and knows how to read and write it.</summary>
    private static readonly Dictionary<GgufValueType, IElementCodec> Codecs = new()
    {
        [GgufValueType.UInt8] = new ElementCodec<byte>(r => r.ReadByte(), (w, v) => w.Write(v)),
        [GgufValueType.Int8] = new ElementCodec<sbyte>(r => r.ReadSByte(), (w, v) => w.Write(v)),
        [GgufValueType.UInt16] = new ElementCodec<ushort>(r => r.ReadUInt16(), (w, v) => w.Write(v)),
        [GgufValueType.Int16] = new ElementCodec<short>(r => r.ReadInt16(), (w, v) => w.Write(v)),
        [GgufValueType.UInt32] = new ElementCodec<uint>(r => r.ReadUInt32(), (w, v) => w.Write(v)),
        [GgufValueType.Int32] = new ElementCodec<int>(r => r.ReadInt32(), (w, v) => w.Write(v)),
        [GgufValueType.Float32] = new ElementCodec<float>(r => r.ReadSingle(), (w, v) => w.Write(v)),
        [GgufValueType.Bool] = new ElementCodec<bool>(r => r.ReadBoolean(), (w, v) => w.Write(v)),
        [GgufValueType.String] = new ElementCodec<string>(ReadString, WriteString),
        [GgufValueType.UInt64] = new ElementCodec<ulong>(r => r.ReadUInt64(), (w, v) => w.Write(v)),
        [GgufValueType.Int64] = new ElementCodec<long>(r => r.ReadInt64(), (w, v) => w.Write(v)),
        [GgufValueType.Float64] = new ElementCodec<double>(r => r.ReadDouble(), (w, v) => w.Write(v)),
    };

    /// <summary>GGUF strings are a uint64 byte length and UTF-8 bytes, with no terminator.</summary>
    public static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    public static string ReadString(BinaryReader reader) =>
        Encoding.UTF8.GetString(reader.ReadBytes(CheckedCount(reader, reader.ReadUInt64(), "string")));

    /// <summary>Throws unless the value's CLR type is the one its GGUF type maps to, so that writing it cannot fail later.</summary>
    public static void Validate(GgufValue value)
    {
        if (value.Type == GgufValueType.Array)
        {
            if (value.Value is not GgufArray array || array.ElementType == GgufValueType.Array)
            {
                throw new ArgumentException("an array value must be a GgufArray of scalars (GGUF readers reject nested arrays)", nameof(value));
            }
            var elementType = array.Items.GetType().GetElementType();
            if (array.Items.Rank != 1 || elementType != CodecOf(array.ElementType).ClrType)
            {
                throw new ArgumentException($"a {array.ElementType} array needs a {CodecOf(array.ElementType).ClrType.Name}[], not {array.Items.GetType().Name}", nameof(value));
            }
        }
        else if (value.Value.GetType() != CodecOf(value.Type).ClrType)
        {
            throw new ArgumentException($"a {value.Type} value needs a {CodecOf(value.Type).ClrType.Name}, not {value.Value.GetType().Name}", nameof(value));
        }
    }

    /// <summary>Writes the type id and then the value, as a metadata entry stores it after its key.</summary>
    public static void WriteValue(BinaryWriter writer, GgufValue value)
    {
        writer.Write((uint)value.Type);
        if (value.Value is GgufArray array)
        {
            writer.Write((uint)array.ElementType);
            writer.Write((ulong)array.Items.Length);
            CodecOf(array.ElementType).WriteArray(writer, array.Items);
        }
        else
        {
            CodecOf(value.Type).Write(writer, value.Value);
        }
    }

    public static GgufValue ReadValue(BinaryReader reader)
    {
        var type = (GgufValueType)reader.ReadUInt32();
        if (type != GgufValueType.Array)
        {
            return new GgufValue(type, CodecOf(type).Read(reader));
        }
        var elementType = (GgufValueType)reader.ReadUInt32();
        if (elementType == GgufValueType.Array)
        {
            throw new InvalidDataException("nested GGUF arrays are not supported");
        }
        int count = CheckedCount(reader, reader.ReadUInt64(), "array");
        return new GgufValue(type, new GgufArray(elementType, CodecOf(elementType).ReadArray(reader, count)));
    }

    private static IElementCodec CodecOf(GgufValueType type) =>
        Codecs.TryGetValue(type, out var codec) ? codec : throw new InvalidDataException($"unknown GGUF value type {(uint)type}");

    /// <summary>
    /// Every element takes at least one byte, so a count beyond the bytes left is corruption; checking it first keeps
    /// a damaged file from asking for a huge allocation.
    /// </summary>
    private static int CheckedCount(BinaryReader reader, ulong count, string what)
    {
        var stream = reader.BaseStream;
        ulong bytesLeft = stream.CanSeek ? (ulong)(stream.Length - stream.Position) : (ulong)Array.MaxLength;
        if (count > bytesLeft || count > (ulong)Array.MaxLength)
        {
            throw new InvalidDataException($"GGUF {what} length {count} runs past the end of the data");
        }
        return (int)count;
    }

    private interface IElementCodec
    {
        Type ClrType { get; }

        object Read(BinaryReader reader);

        Array ReadArray(BinaryReader reader, int count);

        void Write(BinaryWriter writer, object value);

        void WriteArray(BinaryWriter writer, Array items);
    }

    private sealed class ElementCodec<T>(Func<BinaryReader, T> read, Action<BinaryWriter, T> write) : IElementCodec
        where T : notnull
    {
        public Type ClrType => typeof(T);

        public object Read(BinaryReader reader) => read(reader);

        public Array ReadArray(BinaryReader reader, int count)
        {
            var items = new T[count];
            for (int i = 0; i < count; i++)
            {
                items[i] = read(reader);
            }
            return items;
        }

        public void Write(BinaryWriter writer, object value) => write(writer, (T)value);

        public void WriteArray(BinaryWriter writer, Array items)
        {
            foreach (var item in (T[])items)
            {
                write(writer, item);
            }
        }
    }
}
