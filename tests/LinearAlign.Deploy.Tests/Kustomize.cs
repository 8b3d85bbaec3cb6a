using System.Diagnostics;
using System.Text.Json.Nodes;

namespace LinearAlign.Deploy.Tests;

/// <summary>A kustomization as kubectl renders it for `kubectl apply -k`: generators run, names hashed, references rewritten.</summary>
internal static class Kustomize
{
    public static IReadOnlyList<JsonNode> Render(string folder)
    {
        var start = new ProcessStartInfo("kubectl", ["kustomize", Repository.PathOf(folder)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var kubectl = StartOrExplain(start);
        var output = kubectl.StandardOutput.ReadToEndAsync();
        var errors = kubectl.StandardError.ReadToEndAsync();
        kubectl.WaitForExit();
        Assert.True(kubectl.ExitCode == 0, $"kubectl kustomize {folder} failed: {errors.Result}");
        return [.. Repository.ParseYaml(output.Result).OfType<JsonNode>()];
    }

    private static Process StartOrExplain(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("kubectl is not on PATH; the deployment tests render every kustomization with `kubectl kustomize`.", e);
        }
    }
}
