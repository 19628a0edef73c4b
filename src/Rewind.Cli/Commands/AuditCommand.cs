using System.CommandLine;
using Rewind.Cli.Composition;
using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Audit;
using Rewind.Core.Configuration;
using Spectre.Console;
using Rewind.Core.Engine;

namespace Rewind.Cli.Commands;

internal static class AuditCommand
{
    public static Command Create()
    {
        var verify = new Option<bool>("--verify") { Description = "Recompute the hash chain; exit 4 naming the first bad entry" };
        var target = new Option<string?>("--target") { Description = "Only entries for this target" };
        var operation = new Option<string?>("--operation") { Description = "Only this operation (deploy, rollback, clear, ...)" };
        var since = new Option<string?>("--since") { Description = "Only entries newer than this (a duration like 24h, or a time)" };
        var limit = new Option<int>("--limit") { Description = "At most this many (newest) entries", DefaultValueFactory = _ => 200 };
        var anchor = new Option<string[]>("--anchor") { Description = "With --verify: also check against an anchor file (from 'audit anchor --out', or a saved notification)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("audit", "The audit log: every operation and refusal, hash-chained, its head anchored in every target") { verify, anchor, target, operation, since, limit, AnchorCommand() };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var config = context.LoadConfig();
            var anchorFiles = parse.GetValue(anchor) ?? [];
            if (anchorFiles.Length > 0 && !parse.GetValue(verify))
            {
                throw new BadInputException("--anchor is only read by --verify: run 'rewind audit --verify --anchor FILE'");
            }

            if (parse.GetValue(verify))
            {
                var files = new List<AuditAnchor>();
                foreach (var file in anchorFiles)
                {
                    files.Add(await AuditAnchorFile.ReadAsync(Path.GetFullPath(file), cancellationToken));
                }

                await VerifyAsync(context, RewindHost.OpenAnchoredAuditLog(config), files, cancellationToken);
                return 0;
            }

            var log = RewindHost.OpenAuditLog(config.Store);

            var entries = await log.ReadAsync(new AuditQuery(parse.GetValue(target), parse.GetValue(operation), Since(parse.GetValue(since)), parse.GetValue(limit)), cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { entries });
                return 0;
            }

            var table = new Table().AddColumns("#", "at", "who", "operation", "target", "deployment", "from → to", "outcome", "reason", "detail");
            foreach (var e in entries)
            {
                // A refusal moved nothing: no versions, so no arrow.
                var fromTo = e.FromVersion is null && e.ToVersion is null ? "" : $"{e.FromVersion} → {e.ToVersion}";
                table.AddRow(e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), Output.When(e.At), Output.Esc(e.Who), Output.Esc(e.Operation), Output.Esc(e.Target),
                    Output.Esc(e.Deployment), Output.Esc(fromTo), Output.Esc(e.OverBudget ? $"{e.Outcome}, OVER BUDGET" : e.Outcome), Output.Esc(e.Reason), Output.Esc(e.Detail));
            }

            Terminal.Write(table);
            return 0;
        });
        return command;
    }

    private static async Task VerifyAsync(CliContext context, AnchoredAuditLog log, IReadOnlyList<AuditAnchor> files, CancellationToken cancellationToken)
    {
        var result = await log.VerifyAllAsync(files, cancellationToken);
        foreach (var unreachable in result.Unreachable)
        {
            Console.Error.WriteLine($"rewind: warning: could not read the audit anchor of {unreachable}");
        }

        if (result.Problem is not null)
        {
            throw new OperationFailedException($"the audit log has been tampered with: {result.Problem}");
        }

        if (context.Json)
        {
            Output.WriteJson(new { verified = true, anchors = result.Anchors.Select(a => new { source = a.Source, seq = a.Head.Seq, hash = a.Head.Hash }), unreachable = result.Unreachable });
            return;
        }

        var anchors = result.Anchors.Count == 0
            ? "no anchor outside the log was found yet"
            : $"it agrees with {result.Anchors.Count} anchor{(result.Anchors.Count == 1 ? "" : "s")} kept outside it ({string.Join(", ", result.Anchors.Select(a => $"{a.Source} at #{a.Head.Seq}"))})";
        Output.Line($"[green]The audit log verifies:[/] every entry is intact and in order; {Output.Esc(anchors)}.");
    }

    /// <summary><c>rewind audit anchor --out FILE</c>: the chain's head, to keep somewhere the control plane cannot write.</summary>
    private static Command AnchorCommand()
    {
        var output = new Option<string>("--out") { Description = "Write the audit head to this file", Required = true };
        var command = new Command("anchor", "Export the audit chain's head (sequence number and hash) to keep outside the control plane; check it later with 'audit --verify --anchor FILE'") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var log = RewindHost.OpenAuditLog(context.LoadConfig().Store);
            var head = await log.HeadAsync(cancellationToken)
                ?? throw new BadInputException("the audit log is empty: there is no head to export yet");
            var path = Path.GetFullPath(parse.GetValue(output)!);
            await AuditAnchorFile.WriteAsync(path, head, TimeProvider.System.GetUtcNow(), cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { auditHead = new { seq = head.Seq, hash = head.Hash }, file = path });
            }
            else
            {
                Output.Line($"Audit head #{head.Seq} ({Output.Esc(head.Hash)}) written to {Output.Esc(path)}. Keep it where the control plane's writer cannot change it.");
            }

            return 0;
        });
        return command;
    }

    private static DateTimeOffset? Since(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (ConfigLoader.ParseDuration(text) is { } ago)
        {
            return DateTimeOffset.UtcNow - ago;
        }

        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new BadInputException($"--since '{text}' is neither a duration (24h, 7d) nor a time (2026-11-27T03:00Z)");
    }
}
