using LinearAlign.Bench.Load;

namespace LinearAlign.Bench.Tests;

public sealed class BenchArgumentsTests
{
    [Fact]
    public void None_is_no_number_where_an_option_may_be_absent_from_requests()
    {
        var arguments = BenchArguments.Parse(["--max-tokens", "none", "--prompt-tokens", "64"]);

        Assert.Null(arguments.IntOrNone("max-tokens", 128));
        Assert.Equal(64, arguments.IntOrNone("prompt-tokens", 500));
        Assert.Equal(128, arguments.IntOrNone("requests", 128));
    }

    [Fact]
    public void Enum_values_are_named_in_kebab_case()
    {
        var arguments = BenchArguments.Parse(["--decoding", "fixed-length", "--other", "sampled", "--bad", "greedy"]);

        Assert.Equal(Decoding.FixedLength, arguments.Enum("decoding", Decoding.Sampled));
        Assert.Equal(Decoding.Sampled, arguments.Enum("other", Decoding.FixedLength));
        Assert.Contains("fixed-length, sampled", Assert.Throws<ArgumentException>(() => arguments.Enum("bad", Decoding.Sampled)).Message);
    }
}
