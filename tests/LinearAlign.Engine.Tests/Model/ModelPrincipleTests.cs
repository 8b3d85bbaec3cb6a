using LinearAlign.Engine.Model;

namespace LinearAlign.Engine.Tests.Model;

/// <summary>The linearalign.principles metadata a model may declare: what is accepted, and why the rest is not.</summary>
public sealed class ModelPrincipleTests
{
    [Fact]
    public void A_well_formed_declaration_gives_each_principle_in_order_ignoring_other_fields()
    {
        var principles = ModelPrinciple.ParseList("""
            [{"name":"pirate","principle":"Talk like a pirate.","wordings":["Arr."]},{"name":"polite","principle":"Be very polite."}]
            """);

        Assert.Equal([new("pirate", "Talk like a pirate."), new("polite", "Be very polite.")], principles);
    }

    [Theory]
    [InlineData("pirate", "it is not valid JSON")]
    [InlineData("""{"name":"pirate","principle":"Talk like a pirate."}""", "it is a JSON object, not an array")]
    [InlineData("[]", "the array is empty")]
    [InlineData("""["Talk like a pirate."]""", "entry 0 has no non-blank string \"name\"")]
    [InlineData("""[{"name":"pirate","principle":"Talk like a pirate."},{"name":"polite"}]""", "entry 1 has no non-blank string \"principle\"")]
    [InlineData("""[{"name":"pirate","principle":7}]""", "entry 0 has no non-blank string \"principle\"")]
    [InlineData("""[{"name":" ","principle":"Talk like a pirate."}]""", "entry 0 has no non-blank string \"name\"")]
    public void A_malformed_declaration_is_refused_saying_what_is_wrong(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => ModelPrinciple.ParseList(json));

        Assert.StartsWith(reason, error.Message);
    }
}
