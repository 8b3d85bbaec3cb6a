namespace LinearAlign.Forge.Gguf;

/// <summary>
/// One metadata value. A scalar is held as the CLR type its GGUF type maps to (byte, sbyte, ushort, short, uint, int,
/// float, bool, string, ulong, long, double); an <see cref="GgufValueType.Array"/> holds a <see cref="GgufArray"/>.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value)
{
    public static GgufValue ArrayOf<T>(GgufValueType elementType, T[] items) =>
        new(GgufValueType.Array, new GgufArray(elementType, items));
}

/// <summary>A GGUF array: its element type and the elements as a CLR array of the type that element type maps to.</summary>
public sealed record GgufArray(GgufValueType ElementType, Array Items);
