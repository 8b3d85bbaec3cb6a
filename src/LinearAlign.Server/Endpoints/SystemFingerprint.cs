using System.Reflection;

namespace LinearAlign.Server.Endpoints;

/// <summary>Identifies the server build and native backend, as OpenAI's system_fingerprint identifies a backend configuration.</summary>
public static class SystemFingerprint
{
    public static readonly string Value =
        $"linearalign-{typeof(SystemFingerprint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0"}-llama.cpp-v0.5.0";
}
