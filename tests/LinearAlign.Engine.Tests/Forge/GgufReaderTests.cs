using LinearAlign.Forge.Gguf;

namespace LinearAlign.Engine.Tests.Forge;

public sealed class GgufReaderTests
{
    private static readonly (string Key, GgufValue Value)[] EveryType =
    [
        ("u8", new(GgufValueType.UInt8, (byte)200)),
        ("i8", new(GgufValueType.Int8, (sbyte)-100)),
        ("u16", new(GgufValueType.UInt16, (ushort)60000)),
        ("i16", new(GgufValueType.Int16, (short)-30000)),
        ("u32", new(GgufValueType.UInt32, 4_000_000_000u)),
        ("i32", new(GgufValueType.Int32, -2_000_000_000)),
        ("f32", new(GgufValueType.Float32, 1e-6f)),
        ("bool", new(GgufValueType.Bool, true)),
        ("string", new(GgufValueType.String, "<|im_start|> ▁Hello")),
        ("u64", new(GgufValueType.UInt64, ulong.MaxValue)),
        ("i64", new(GgufValueType.Int64, long.MinValue)),
        ("f64", new(GgufValueType.Float64, Math.PI)),
        ("strings", GgufValue.ArrayOf(GgufValueType.String, ["Ġ Ġ", "", "[PAD7]"])),
        ("floats", GgufValue.ArrayOf(GgufValueType.Float32, [0f, -31738f])),
        ("ints", GgufValue.ArrayOf(GgufValueType.Int32, [1, 3, 6])),
        ("bytes", GgufValue.ArrayOf(GgufValueType.UInt8, new byte[] { 0, 255 })),
        ("empty", GgufValue.ArrayOf(GgufValueType.Float64, Array.Empty<double>())),
    ];

    [Fact]
    public void Metadata_written_by_the_writer_reads_back_in_order_with_types_and_values()
    {
        var writer = new GgufWriter();
        foreach (var (key, value) in EveryType)
        {
            writer.Add(key, value);
        }
        writer.AddTensor("token_embd.weight", GgmlType.F32, [32, 2], data => data.Fill(1));
        using var file = new MemoryStream();
        writer.WriteTo(file);
        file.Position = 0;

        var metadata = GgufReader.ReadMetadata(file);

        Assert.Equal(EveryType.Select(e => e.Key), metadata.Keys);
        foreach (var (key, expected) in EveryType)
        {
            Assert.Equal(expected.Type, metadata[key].Type);
            if (expected.Value is GgufArray array)
            {
                var actual = Assert.IsType<GgufArray>(metadata[key].Value);
                Assert.Equal(array.ElementType, actual.ElementType);
                Assert.Equal(array.Items, actual.Items);
            }
            else
            {
                Assert.Equal(expected.Value, metadata[key].Value);
            }
        }
    }

    [Fact]
    public void The_writer_refuses_a_value_whose_clr_type_is_not_the_one_its_gguf_type_maps_to()
    {
        var writer = new GgufWriter();

        Assert.Throws<ArgumentException>(() => writer.Add("n", new GgufValue(GgufValueType.UInt32, 7)));
        Assert.Throws<ArgumentException>(() => writer.Add("a", GgufValue.ArrayOf(GgufValueType.Int32, new uint[] { 7 })));
    }

    [Fact]
    public void An_array_longer_than_the_file_is_reported_as_corrupt_rather_than_allocated()
    {
        var writer = new GgufWriter();
        writer.AddInt32Array("ints", [1, 2, 3]);
        using var file = new MemoryStream();
        writer.WriteTo(file);
        var bytes = file.ToArray();
        // Header (24 bytes), key length and "ints" (12), value type (4), element type (4): then the uint64 count.
        BitConverter.GetBytes(ulong.MaxValue / 2).CopyTo(bytes, 44);

        Assert.Throws<InvalidDataException>(() => GgufReader.ReadMetadata(new MemoryStream(bytes)));
    }
}
