using System.CommandLine;
using Rewind.Cli.Composition;
using Rewind.Cli.Rendering;
using Rewind.Core.Reporting;
using Spectre.Console;

namespace Rewind.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create()
    {
        var target = new Option<string?>("--target") { Description = "Only this target" };
        var group = new Option<string?>("--group") { Description = "A group: which members are aligned (fingerprint over all managed records) and their train positions" };
        var command = new Command("status", "Each target: on-train, off-train, frozen or diverged (and whether it needs investigation), its last deployment, who holds its lock") { target, group };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var engine = await context.EngineAsync(cancellationToken);
            if (parse.GetValue(group) is { } groupName)
            {
                var alignment = await engine.GroupStatusAsync(groupName, cancellationToken);
                if (context.Json)
                {
                    Output.WriteJson(TrainView.ToJson(alignment));
                }
                else
                {
                    TrainView.Write(alignment);
                }

                return 0;
            }

            var statuses = await engine.StatusAsync(parse.GetValue(target), cancellationToken);
            var config = context.LoadConfig();
            var code = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            foreach (var s in statuses)
            {
                code[s.Name] = await Rewind.Core.Code.CodeVersions.ReadAsync(config.Target(s.Name), config.BaseDirectory, cancellationToken);
            }

            if (context.Json)
            {
                Output.WriteJson(new
                {
                    targets = statuses.Select(s => new
                    {
                        name = s.Name,
                        state = s.State.StateName,
                        reason = s.State.Reason,
                        since = s.State.Since,
                        by = s.State.Who,
                        last = s.Last?.Id,
                        lastBundle = s.Last?.BundleId,
                        code = code[s.Name],
                        databaseExists = DatabaseExists(config.Target(s.Name)),
                        lastRollback = s.LastRollback is { } r ? new { id = r.Id, bundle = r.BundleId, at = r.RolledBackAt, seconds = r.RollbackDuration?.TotalSeconds, overBudget = r.RollbackOverBudget } : null,
                        needsInvestigation = JsonViews.Investigation(s),
                        window = s.Window,
                        busy = s.Lock is null ? null : new { operation = s.Lock.Operation, who = s.Lock.Who, since = s.Lock.AcquiredAt, host = s.Lock.Host, pid = s.Lock.ProcessId },
                    }),
                });
                return 0;
            }

            var table = new Table().AddColumns("target", "state", "last deployment", "code", "why", "last rollback", "busy");
            foreach (var s in statuses)
            {
                var colour = s.State.StateName switch { "on-train" => "green", "off-train" or "diverged" => "yellow", _ => "red" };
                table.AddRow(
                    Output.Esc(s.Name),
                    $"[{colour}]{s.State.StateName}[/]" + (s.NeedsInvestigation.Count > 0 ? $"\n[red]needs investigation[/] (over budget: {Output.Esc(string.Join(", ", s.NeedsInvestigation.Select(d => d.Id)))}; rewind ack)" : ""),
                    s.Last is null ? "-" : Output.Esc($"{s.Last.Id} {s.Last.BundleId} ({Output.When(s.Last.StartedAt)})"),
                    Output.Esc(string.Join(", ", code[s.Name].Select(c => $"{c.Key} {c.Value}"))),
                    Output.Esc(DatabaseExists(config.Target(s.Name)) == false ? $"database {config.Target(s.Name).Database} does not exist yet (created by the first deploy)" : s.State.Reason ?? "")
                        + (s.Window is null ? "" : $"{(s.State.Reason is null ? "" : "\n")}deploy window {Output.Esc(s.Window)}"),
                    s.LastRollback is { } r ? $"{r.Id} {r.RollbackDuration?.TotalSeconds:0.0}s{(r.RollbackOverBudget ? " [red]OVER BUDGET[/]" : "")}" : "",
                    s.Lock is null ? "" : Output.Esc(s.Lock.Describe()));
            }

            Terminal.Write(table);
            return 0;
        });
        return command;
    }

    /// <summary>Whether a SQLite target's file exists, looked at without opening it (opening would create it); null for PostgreSQL.</summary>
    private static bool? DatabaseExists(Rewind.Core.Configuration.TargetConfig target) =>
        target.Database.StartsWith(RewindHost.SqlitePrefix, StringComparison.Ordinal) ? File.Exists(target.Database[RewindHost.SqlitePrefix.Length..]) : null;
}
