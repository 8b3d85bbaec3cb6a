using LinearAlign.Engine.Options;
using LinearAlign.Server.Options;

namespace LinearAlign.Deploy.Tests;

public sealed class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => ["docker/Dockerfile", "docker/Dockerfile.cuda"];

    public static TheoryData<string, string> DockerfilesAndBackends => new() { { "docker/Dockerfile", "cpu" }, { "docker/Dockerfile.cuda", "cuda" } };

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Every_copied_path_is_in_the_build_context(string path)
    {
        var sources = Dockerfile.Load(path).All("COPY")
            .Where(copy => !copy.Words.Any(word => word.StartsWith("--from=", StringComparison.Ordinal)))
            .SelectMany(copy => copy.Words.Where(word => !word.StartsWith("--", StringComparison.Ordinal)).SkipLast(1))
            .ToList();

        Assert.NotEmpty(sources);
        Assert.All(sources, source =>
        {
            Assert.True(File.Exists(Repository.PathOf(source)) || Directory.Exists(Repository.PathOf(source)), $"{path} copies {source}, which does not exist.");
            Assert.False(DockerIgnore.Excludes(source), $"{path} copies {source}, which .dockerignore leaves out of the context.");
        });
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_image_exposes_the_port_the_server_listens_on(string path)
    {
        var runtime = Dockerfile.Load(path).Runtime;

        Assert.Equal(Kestrel.Port(runtime.Environment).ToString(), runtime.Single("EXPOSE").Arguments);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_health_check_asks_for_readiness_on_the_listening_port(string path)
    {
        var runtime = Dockerfile.Load(path).Runtime;

        var url = new Uri(Assert.Single(runtime.Single("HEALTHCHECK").ExecForm("CMD"), word => word.StartsWith("http://", StringComparison.Ordinal)));

        Assert.Equal(("localhost", Kestrel.Port(runtime.Environment), ServerRoutes.Readiness), (url.Host, url.Port, url.AbsolutePath));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_health_check_program_is_installed_in_the_image(string path)
    {
        var runtime = Dockerfile.Load(path).Runtime;

        Assert.Contains(runtime.Single("HEALTHCHECK").ExecForm("CMD")[0], runtime.AptPackages);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_image_runs_as_a_numeric_non_root_user(string path)
    {
        var user = Dockerfile.Load(path).Runtime.Single("USER").Arguments;

        Assert.True(int.TryParse(user.Split(':')[0], out var uid) && uid > 0, $"USER {user}: Kubernetes' runAsNonRoot can only verify a numeric, non-zero user.");
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Every_environment_variable_is_a_server_setting_or_a_runtime_variable(string path)
    {
        var variables = Dockerfile.Load(path).Stages.SelectMany(stage => stage.Environment.Keys).ToList();

        Assert.NotEmpty(variables);
        Assert.All(variables, variable => Assert.Null(ServerSettings.WhyNotASetting(variable)));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_image_configuration_passes_the_servers_validation(string path) =>
        Assert.Empty(ServerSettings.ValidationFailures(Dockerfile.Load(path).Runtime.Environment));

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_volume_is_the_model_cache_directory(string path)
    {
        var runtime = Dockerfile.Load(path).Runtime;

        Assert.Equal(ServerSettings.Model(runtime.Environment).CacheDirectory, runtime.Single("VOLUME").Arguments);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_entrypoint_runs_the_published_server_from_the_working_directory(string path)
    {
        var dockerfile = Dockerfile.Load(path);
        var publish = Assert.Single(dockerfile.All("RUN"), run => run.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal)).Words;
        var publishFolder = publish[Array.IndexOf(publish, "-o") + 1];
        var copy = Assert.Single(dockerfile.Runtime.All("COPY"), copy => copy.Words.Contains($"--from={dockerfile.Stages[0].Name}")).Words;
        var workingDirectory = dockerfile.Runtime.Single("WORKDIR").Arguments;

        Assert.Equal(publishFolder, copy[^2]);
        Assert.Equal(workingDirectory, Path.GetFullPath(copy[^1], workingDirectory).TrimEnd('/'));
        Assert.Equal(["dotnet", $"{typeof(ServerOptions).Assembly.GetName().Name}.dll"], dockerfile.Runtime.Single("ENTRYPOINT").ExecForm());
    }

    [Theory]
    [MemberData(nameof(DockerfilesAndBackends))]
    public void The_build_fetches_and_publishes_the_images_native_backend(string path, string backend)
    {
        var runs = Dockerfile.Load(path).All("RUN").Select(run => run.Words).ToList();
        var fetch = Assert.Single(runs, words => words.Contains("build/fetch-native.sh"));
        var publish = Assert.Single(runs, words => words.Take(2).SequenceEqual(["dotnet", "publish"]));
        var publishedBackend = publish.SingleOrDefault(word => word.StartsWith("-p:LlamaNativeBackend=", StringComparison.Ordinal))?.Split('=')[1]
            ?? BuildProperties.DefaultNativeBackend;

        Assert.Equal([backend, BuildProperties.NativeDirectory(backend)], fetch.SkipWhile(word => word != "build/fetch-native.sh").Skip(1));
        Assert.Equal(backend, publishedBackend);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void The_build_uses_the_SDK_of_the_target_framework(string path) =>
        Assert.StartsWith($"mcr.microsoft.com/dotnet/sdk:{BuildProperties.DotnetVersion}", Dockerfile.Load(path).Stages[0].BaseImage);

    [Fact]
    public void The_CPU_image_runs_on_the_ASP_NET_Core_image_of_the_target_framework() =>
        Assert.StartsWith($"mcr.microsoft.com/dotnet/aspnet:{BuildProperties.DotnetVersion}", Dockerfile.Load("docker/Dockerfile").Runtime.BaseImage);

    [Fact]
    public void The_CUDA_image_runs_on_a_CUDA_13_runtime_with_the_ASP_NET_Core_runtime_of_the_target_framework()
    {
        var dockerfile = Dockerfile.Load("docker/Dockerfile.cuda");
        var aspnet = Assert.Single(dockerfile.Stages, stage => stage.BaseImage.StartsWith($"mcr.microsoft.com/dotnet/aspnet:{BuildProperties.DotnetVersion}", StringComparison.Ordinal));

        // The npm CUDA build of llama.cpp links libcudart.so.13 and libcublas.so.13; the runtime flavour has both, base has neither.
        Assert.Matches(@"^nvidia/cuda:13\.\d+\.\d+-runtime-ubuntu\d+\.\d+$", dockerfile.Runtime.BaseImage);
        Assert.Contains(dockerfile.Runtime.All("COPY"), copy => copy.Words.SequenceEqual([$"--from={aspnet.Name}", "/usr/share/dotnet", "/usr/share/dotnet"]));
    }

    [Fact]
    public void The_CUDA_image_insists_on_CUDA_rather_than_falling_back_to_the_CPU() =>
        Assert.Equal(ComputeBackend.Cuda, ServerSettings.Model(Dockerfile.Load("docker/Dockerfile.cuda").Runtime.Environment).Backend);
}
