using System.Net;
using System.Net.Sockets;
using Rewind.Tests.Support;

namespace Rewind.Tests.Cli;

/// <summary>Failures an operator meets at 3 AM: one line in words, the right exit code, no stack unless --verbose.</summary>
public sealed class FailureMessageTests : IDisposable
{
    private readonly TestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<CliResult> Rewind(params string[] args) => CliRunner.RunAsync(_folder.Path, args);

    private static void OneLineNoStack(CliResult result, int exitCode)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, result.ToString());
        Assert.DoesNotContain(lines.Concat(result.Stdout.Split('\n')), l => l.StartsWith("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain("unexpected failure", result.Stderr, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Fact]
    public async Task Serve_with_a_bad_url_exits_2_and_on_a_busy_port_exits_4_in_one_line_each()
    {
        Assert.Equal(0, (await Rewind("init")).ExitCode);

        var bad = await Rewind("serve", "--urls", "foo");
        OneLineNoStack(bad, 2);
        Assert.Contains("--urls", bad.Stderr, StringComparison.Ordinal);

        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        var taken = await Rewind("serve", "--urls", $"http://127.0.0.1:{port}");
        OneLineNoStack(taken, 4);
        Assert.Contains($"cannot listen on http://127.0.0.1:{port}", taken.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_postgres_target_names_target_and_host_not_the_password_and_changes_nothing()
    {
        var port = FreePort();
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), $"""
            store: sqlite:rewind.db
            targets:
              pg1:
                database: postgres:Host=127.0.0.1;Port={port};Database=shop;Username=rewind;Password=hunter2-secret
            """);
        var bundle = new BundleBuilder("one").Upsert("platform", "workflow", "w", "{}").WriteTo(_folder.Combine("b", "one"));

        foreach (var args in new[] { new[] { "diff", bundle, "--target", "pg1" }, ["deploy", bundle, "--target", "pg1"] })
        {
            var result = await Rewind(args);
            OneLineNoStack(result, 4);
            Assert.Contains("target pg1", result.Stderr, StringComparison.Ordinal);
            Assert.Contains($"127.0.0.1:{port}", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("nothing was changed", result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", result.Stderr + result.Stdout, StringComparison.Ordinal);
        }

        var verbose = await Rewind("diff", bundle, "--target", "pg1", "--verbose");
        Assert.Equal(4, verbose.ExitCode);
        Assert.Contains(verbose.Stderr.Split('\n'), l => l.StartsWith("   at ", StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2", verbose.Stderr, StringComparison.Ordinal);
    }
}
