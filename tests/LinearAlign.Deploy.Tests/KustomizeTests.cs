namespace LinearAlign.Deploy.Tests;

/// <summary>Every kustomization renders as `kubectl apply -k` would render it, into whole Kubernetes objects.</summary>
public sealed class KustomizeTests
{
    [Theory]
    [MemberData(nameof(KubernetesTests.Kustomizations), MemberType = typeof(KubernetesTests))]
    public void Every_kustomization_renders_into_named_objects_of_a_known_kind(string folder)
    {
        var objects = Kustomize.Render(folder);

        Assert.NotEmpty(objects);
        Assert.All(objects, manifest =>
        {
            Assert.False(string.IsNullOrEmpty(manifest["apiVersion"]?.GetValue<string>()), $"An object of {folder} has no apiVersion.");
            Assert.False(string.IsNullOrEmpty(manifest["kind"]?.GetValue<string>()), $"An object of {folder} has no kind.");
            Assert.False(string.IsNullOrEmpty(manifest["metadata"]?["name"]?.GetValue<string>()), $"An object of {folder} has no name.");
        });
    }
}
