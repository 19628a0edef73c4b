using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Rewind.Tests.Support;

namespace Rewind.Tests.Observability;

/// <summary>
/// The real CLI exports its spans through OTLP/HTTP to a receiver the test starts, only when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> says where; and no span, attribute or log line carries a configured secret.
/// </summary>
public sealed class TracingTests : IDisposable
{
    private const string WebhookSecret = "WhkSecret-8841";
    private const string EnvironmentSecret = "EnvSecret-5527";

    private readonly TestFolder _folder = new();
    private readonly TestHttpServer _receiver = new((_, _) => (200, ""));

    public void Dispose()
    {
        _receiver.Dispose();
        _folder.Dispose();
    }

    [Fact]
    public Task A_rollback_exports_one_operation_span_with_its_steps_as_children_and_no_secret() =>
        RollbackTraceAsync(_folder, _receiver, new SqliteProvider());

    /// <summary>
    /// A CLI rollback on <paramref name="provider"/>'s engine, exporting to <paramref name="receiver"/>: checks the
    /// operation span, its step spans and that no secret left; returns every span for the engine's own checks.
    /// </summary>
    public static async Task<(List<OtlpSpan> Spans, OtlpSpan Operation)> RollbackTraceAsync(TestFolder folder, TestHttpServer receiver, StorageProvider provider)
    {
        await File.WriteAllTextAsync(folder.Combine("rewind.yaml"), $"""
            store: "{await provider.CreateControlPlaneAsync(folder)}"
            targets:
              env1:
                database: "{await provider.CreateTargetDatabaseAsync(folder, "env1")}"
                checks:
                  - name: smoke
                    command: echo "smoke with $DEPLOY_TOKEN"
                hooks:
                  beforeRollback: ["echo \"draining with $DEPLOY_TOKEN\""]
                  afterRollback: ["echo undrained"]
            notify:
              webhooks: ["{receiver.Url("/hook")}?token={WebhookSecret}"]
            """);
        var secrets = new Dictionary<string, string> { ["DEPLOY_TOKEN"] = EnvironmentSecret };
        var deploy = await CliRunner.RunAsync(folder.Path, secrets, "deploy", new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(folder.Combine("b1")), "--target", "env1");
        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        // Without the variable nothing is exported: the receiver has seen only the webhook.
        Assert.DoesNotContain(receiver.RawBodies, r => r.Path.StartsWith("/v1/", StringComparison.Ordinal));

        var exporting = new Dictionary<string, string>(secrets)
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Url(""),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };
        var rollback = await CliRunner.RunAsync(folder.Path, exporting, "rollback", "--target", "env1", "--yes", "--reason", "INC-3", "--verbose");
        Assert.True(rollback.ExitCode == 0, rollback.ToString());

        var exports = receiver.RawBodies.Where(r => r.Path == "/v1/traces").Select(r => r.Body).ToList();
        Assert.NotEmpty(exports);
        var spans = exports.SelectMany(OtlpSpans.Parse).ToList();
        var operation = Assert.Single(spans, s => s.Name == "rewind.rollback");
        Assert.Equal(("env1", "d0001", "one", "succeeded"), (operation.Attributes["rewind.target"], operation.Attributes["rewind.deployment"], operation.Attributes["rewind.bundle"], operation.Attributes["rewind.outcome"]));
        Assert.Equal("", operation.ParentSpanId.Trim('0'));
        foreach (var step in new[] { "lock", "notify rollback-started", "beforeRollback hook", "apply inverse metadata", "afterRollback hook", "verify", "check smoke", "notify rollback-completed" })
        {
            var span = Assert.Single(spans, s => s.Name == step);
            Assert.True(DescendsFrom(span, operation, spans), $"{step} is not under the operation span");
            Assert.Equal("env1", span.Attributes["rewind.target"]);
        }

        Assert.Equal("d0001", spans.Single(s => s.Name == "apply inverse metadata").Attributes["rewind.deployment"]);
        Assert.Contains("/v1/metrics", receiver.RawBodies.Select(r => r.Path));

        // Not in any exported byte (spans, attributes, metrics), nor in the log lines --verbose printed.
        var exported = string.Concat(receiver.RawBodies.Where(r => r.Path.StartsWith("/v1/", StringComparison.Ordinal)).Select(r => Encoding.UTF8.GetString(r.Body)));
        Assert.Contains("apply inverse metadata", rollback.Stderr, StringComparison.Ordinal);
        foreach (var secret in new[] { WebhookSecret, EnvironmentSecret })
        {
            Assert.DoesNotContain(secret, exported, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, rollback.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, rollback.Stdout, StringComparison.Ordinal);
        }

        return (spans, operation);
    }

    [Fact]
    public async Task A_collector_that_never_answers_delays_the_exit_by_a_few_seconds_not_the_exporter_timeout()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              env1:
                database: sqlite:env1.db
            """);
        // Accepts connections and never answers: the OTLP exporter waits for its own timeout (10 s per signal).
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(100);
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                held.Add(await silent.AcceptTcpClientAsync(stop.Token));
            }
        });
        var exporting = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };

        var baseline = Stopwatch.StartNew();
        Assert.Equal(0, (await CliRunner.RunAsync(_folder.Path, "deploy", new BundleBuilder("one").Upsert("platform", "rule", "a", "1").WriteTo(_folder.Combine("b1")), "--target", "env1")).ExitCode);
        baseline.Stop();
        var stalled = Stopwatch.StartNew();
        var deploy = await CliRunner.RunAsync(_folder.Path, exporting, "deploy", new BundleBuilder("two").Upsert("platform", "rule", "a", "2").WriteTo(_folder.Combine("b2")), "--target", "env1");
        stalled.Stop();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => accepting);
        held.ForEach(c => c.Dispose());

        Assert.True(deploy.ExitCode == 0, deploy.ToString());
        Assert.NotEmpty(held);
        Assert.True(stalled.Elapsed - baseline.Elapsed < TimeSpan.FromSeconds(8), $"a silent collector held the exit for {stalled.Elapsed - baseline.Elapsed}");
    }

    public static bool DescendsFrom(OtlpSpan span, OtlpSpan ancestor, List<OtlpSpan> spans)
    {
        for (var parent = span.ParentSpanId; spans.FirstOrDefault(s => s.SpanId == parent) is { } next; parent = next.ParentSpanId)
        {
            if (next == ancestor)
            {
                return true;
            }
        }

        return false;
    }
}
