using Rewind.Cli.Composition;
using Rewind.Core.Artifacts;
using Rewind.Core.Audit;
using Rewind.Tests.Support;
using Rewind.Core.Ledger;

namespace Rewind.Tests.Soak;

/// <summary>
/// The soak's independent checker: it reads the recorded history, the ledger, the audit log, the artifact store and
/// every target directly (never through the engine's own answers) and lists every anomaly it finds.
/// </summary>
internal static class SoakChecker
{
    public static async Task<List<string>> CheckAsync(SoakCluster cluster, IReadOnlyList<SoakEvent> events, IReadOnlyDictionary<string, SoakBundle> bundles, IReadOnlyList<DateTimeOffset> kills)
    {
        var anomalies = new List<string>();
        await using var ledger = RewindHost.OpenControlPlane(cluster.Store);
        var audit = await RewindHost.OpenAuditLog(cluster.Store).ReadAsync(new AuditQuery(Limit: 1_000_000));
        var artifacts = new ArtifactStore(cluster.Folder.Combine("artifacts"));
        foreach (var target in cluster.Targets.Keys)
        {
            var history = await ledger.GetDeploymentsAsync(target);
            var byId = history.ToDictionary(d => d.Id, StringComparer.Ordinal);

            // 1. The target holds exactly what its live deployments wrote, replayed oldest first from an empty target.
            var expected = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var deployment in history.Where(d => d.IsApplied).Reverse())
            {
                if (!bundles.TryGetValue(deployment.BundleId, out var bundle))
                {
                    anomalies.Add($"{target}: live deployment {deployment.Id} names bundle {deployment.BundleId}, which the soak never made");
                    continue;
                }

                foreach (var (key, body) in bundle.Changes)
                {
                    if (body is null)
                    {
                        expected.Remove($"platform/rule/{key}");
                    }
                    else
                    {
                        expected[$"platform/rule/{key}"] = body;
                    }
                }
            }

            var actual = await cluster.RecordsAsync(target);
            foreach (var key in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
            {
                if (expected.GetValueOrDefault(key) != actual.GetValueOrDefault(key))
                {
                    anomalies.Add($"{target}: record {key} is {actual.GetValueOrDefault(key) ?? "absent"} but its live deployments say {expected.GetValueOrDefault(key) ?? "absent"}");
                }
            }

            // 2. What the API acknowledged is what the ledger says; nothing is both live and rolled back.
            foreach (var e in events.Where(e => e.Target == target && e.Deployment is not null))
            {
                if (!byId.TryGetValue(e.Deployment!, out var d))
                {
                    anomalies.Add($"{target}: #{e.Seq} {e.Kind} acknowledged {e.Deployment}, which the ledger does not hold");
                }
                else if (e.Kind == "rollback" && d.Status != DeploymentStatus.RolledBack)
                {
                    anomalies.Add($"{target}: #{e.Seq} acknowledged the rollback of {d.Id}, which the ledger has as {d.Status}");
                }
                else if (e.Kind == "deploy" && !d.IsApplied && d.Status != DeploymentStatus.RolledBack)
                {
                    anomalies.Add($"{target}: #{e.Seq} acknowledged {d.Id} as deployed, which the ledger has as {d.Status}");
                }
            }

            foreach (var d in history.Where(d => d.IsApplied && d.RolledBackAt is not null))
            {
                anomalies.Add($"{target}: {d.Id} is {d.Status} and rolled back at {d.RolledBackAt}");
            }

            // 3. No two operations on one target overlapped: each operation's journal steps are written through
            // fenced ledger writes, so they lie within its lock's tenure; two operations whose steps interleave held
            // the target at once. An operation a kill interrupted is finished by recovery under another operation's
            // lock, so deployments whose journal spans a kill, or was settled from the marker, are left out.
            var segments = history.Where(d => !kills.Any(k => d.Steps.Count > 0 && d.Steps[0].At <= k && k <= d.Steps[^1].At) && !d.Steps.Any(st => st.Detail?.Contains("settled from", StringComparison.Ordinal) == true))
                .SelectMany(Operations).OrderBy(o => o.From).ToList();
            for (var i = 1; i < segments.Count; i++)
            {
                if (segments[i].From < segments[i - 1].To && segments[i].Deployment != segments[i - 1].Deployment)
                {
                    anomalies.Add($"{target}: {segments[i - 1].Kind} of {segments[i - 1].Deployment} ({segments[i - 1].From:O}..{segments[i - 1].To:O}) overlaps {segments[i].Kind} of {segments[i].Deployment} (from {segments[i].From:O})");
                }
            }

            // 4. Every live deployment's inverse is stored and verifies against its digest.
            foreach (var d in history.Where(d => d.IsApplied))
            {
                try
                {
                    using var inverse = await artifacts.OpenAsync(d.InverseDigest ?? throw new InvalidOperationException("no inverse digest"));
                }
                catch (Exception ex)
                {
                    anomalies.Add($"{target}: the inverse of live deployment {d.Id} does not verify: {ex.Message}");
                }
            }

            // 5. Every acknowledged operation has its audit entry.
            foreach (var e in events.Where(e => e.Target == target && e.Deployment is not null))
            {
                if (!audit.Any(a => a.Target == target && a.Deployment == e.Deployment && a.Operation == e.Kind && a.Outcome == "succeeded"))
                {
                    anomalies.Add($"{target}: #{e.Seq} {e.Kind} of {e.Deployment} was acknowledged but has no audit entry");
                }
            }
        }

        var verify = await CliRunner.RunAsync(cluster.Folder.Path, "audit", "--verify");
        if (verify.ExitCode != 0)
        {
            anomalies.Add($"rewind audit --verify exited {verify.ExitCode}: {verify.Stderr.Trim()}");
        }

        return anomalies;
    }

    /// <summary>A deployment's journal as operations: the deploy (with its automatic rollback), then a manual rollback.</summary>
    private static IEnumerable<(string Kind, string Deployment, DateTimeOffset From, DateTimeOffset To)> Operations(Deployment d)
    {
        if (d.Steps.Count == 0)
        {
            yield break;
        }

        var rollback = d.AutomaticRollback ? -1 : d.Steps.ToList().FindIndex(st => st.Step == "beforeRollback hook" || (st.Step == "status" && st.State == "rolling-back"));
        var deployEnd = rollback < 0 ? d.Steps.Count : rollback;
        if (deployEnd > 0)
        {
            yield return ("deploy", d.Id, d.Steps[0].At, d.Steps[deployEnd - 1].At);
        }

        if (rollback >= 0)
        {
            yield return ("rollback", d.Id, d.Steps[rollback].At, d.Steps[^1].At);
        }
    }
}
