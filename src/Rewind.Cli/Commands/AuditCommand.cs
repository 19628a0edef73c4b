using System.CommandLine;
using Rewind.Cli.Composition;
using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Audit;
using Rewind.Core.Configuration;
using Spectre.Console;

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
        var command = new Command("audit", "The audit log: every operation and refusal, hash-chained") { verify, target, operation, since, limit };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var log = RewindHost.OpenAuditLog(context.LoadConfig().Store);
            if (parse.GetValue(verify))
            {
                var problem = await log.VerifyAsync(cancellationToken);
                if (problem is not null)
                {
                    throw new OperationFailedException($"the audit log has been tampered with: {problem}");
                }

                if (context.Json)
                {
                    Output.WriteJson(new { verified = true });
                }
                else
                {
                    Output.Line("[green]The audit log verifies:[/] every entry is intact and in order.");
                }

                return 0;
            }

            var entries = await log.ReadAsync(new AuditQuery(parse.GetValue(target), parse.GetValue(operation), Since(parse.GetValue(since)), parse.GetValue(limit)), cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { entries });
                return 0;
            }

            var table = new Table().AddColumns("#", "at", "who", "operation", "target", "deployment", "from → to", "outcome", "reason");
            foreach (var e in entries)
            {
                table.AddRow(e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), Output.When(e.At), Output.Esc(e.Who), Output.Esc(e.Operation), Output.Esc(e.Target),
                    Output.Esc(e.Deployment), Output.Esc($"{e.FromVersion} → {e.ToVersion}"), Output.Esc(e.Outcome), Output.Esc(e.Reason));
            }

            Terminal.Write(table);
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
