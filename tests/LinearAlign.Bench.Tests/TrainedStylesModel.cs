using LinearAlign.Bench.Train;
using LinearAlign.Forge.Train;
using LinearAlign.Forge;

namespace LinearAlign.Bench.Tests;

/// <summary>
/// The model committed under tests/fixtures/styles: trained by
/// <c>dotnet run --project bench/LinearAlign.Bench -c Release -- train --out tests/fixtures/styles/styles.gguf --seed 1 --minutes 10</c>.
/// </summary>
public static class TrainedStylesModel
{
    public const int Seed = 1;

    public static string Path { get; } = System.IO.Path.Combine(Checkout.Root, "tests", "fixtures", "styles", "styles.gguf");

    public static string SidecarPath => PrinciplesSidecar.PathFor(Path);

    public static string PreferenceItemsPath => TrainCommand.PreferenceItemsPath(Path);
}
