using System.Diagnostics;
using Rewind.Tests.Support;

namespace Rewind.Tests.Install;

/// <summary>
/// The tool package as a user gets it: <c>dotnet pack</c> of the CLI (from the build the tests use), installed with
/// <c>dotnet tool install</c> into a temporary tool path, then run from there. The slowest test; it runs once.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task The_packed_tool_installs_into_a_tool_path_and_runs_version_and_demo()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var feed = _folder.Combine("feed");
        var tools = _folder.Combine("tools");
        var built = await CliRunner.RunAsync(_folder.Path, "--version");
        var version = built.Stdout.Trim().Split('+')[0];
        Assert.Matches(@"^\d+\.\d+\.\d+", version);

        var pack = await RunAsync("dotnet", "pack", Path.Combine(CliRunner.RepositoryRoot, "src", "Rewind.Cli"), "--no-build", "-c", configuration, "-o", feed, "-nologo");
        Assert.True(pack.ExitCode == 0, pack.ToString());
        Assert.True(File.Exists(Path.Combine(feed, $"rewind.{version}.nupkg")), pack.ToString());

        // The version pinned: only this package, never one of the same name from another feed.
        var install = await RunAsync("dotnet", "tool", "install", "--tool-path", tools, "--add-source", feed, "--version", version, "--ignore-failed-sources", "rewind");
        Assert.True(install.ExitCode == 0, install.ToString());

        var rewind = Path.Combine(tools, "rewind");
        var reported = await RunAsync(rewind, "--version");
        Assert.True(reported.ExitCode == 0, reported.ToString());
        Assert.StartsWith(version, reported.Stdout.Trim(), StringComparison.Ordinal);

        var demo = await RunAsync(rewind, "demo", "--dir", _folder.Combine("demo"));
        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Contains("Demo complete", demo.Stdout, StringComparison.Ordinal);
    }

    private Task<CliResult> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program, args) { WorkingDirectory = _folder.Path };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        return CliRunner.RunProcessAsync(start);
    }
}
