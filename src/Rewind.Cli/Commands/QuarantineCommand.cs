using System.CommandLine;
using Rewind.Cli.Rendering;
using Rewind.Core;
using Rewind.Core.Configuration;
using Spectre.Console;

namespace Rewind.Cli.Commands;

internal static class QuarantineCommand
{
    public static Command Create()
    {
        var command = new Command("quarantine", "Tables that rollbacks moved aside (never dropped silently)");
        var list = new Command("list", "Every quarantined table on every target, with its rows and the deployment that moved it");
        list.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var entries = await (await context.EngineAsync(cancellationToken)).QuarantineListAsync(cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { tables = entries.Select(e => new { target = e.Target, table = e.Table, @as = e.As, rows = e.Rows, deployment = e.Deployment, since = e.Since }) });
                return 0;
            }

            var table = new Table().AddColumns("target", "table", "quarantined as", "rows", "deployment", "since");
            foreach (var e in entries)
            {
                table.AddRow(Output.Esc(e.Target), Output.Esc(e.Table), Output.Esc(e.As), e.Rows.ToString(System.Globalization.CultureInfo.InvariantCulture), Output.Esc(e.Deployment), Output.When(e.Since));
            }

            Terminal.Write(table);
            return 0;
        });

        var olderThan = new Option<string>("--older-than") { Description = "Drop quarantined tables older than this (e.g. 30d)", Required = true };
        var purge = new Command("purge", "Drop quarantined tables older than a duration (train-admin)") { olderThan };
        purge.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var age = ConfigLoader.ParseDuration(parse.GetValue(olderThan)!)
                ?? throw new BadInputException($"--older-than '{parse.GetValue(olderThan)}' is not a duration: use e.g. 12h, 30d");
            var purged = await (await context.EngineAsync(cancellationToken)).QuarantinePurgeAsync(age, context.Who, cancellationToken);
            if (context.Json)
            {
                Output.WriteJson(new { purged = purged.Select(e => new { target = e.Target, table = e.Table, @as = e.As, rows = e.Rows }) });
            }
            else
            {
                Output.Line(purged.Count == 0 ? "No quarantined table is that old." : $"Dropped {purged.Count} quarantined table(s): {Output.Esc(string.Join(", ", purged.Select(e => $"{e.Target}/{e.As}")))}");
            }

            return 0;
        });
        command.Subcommands.Add(list);
        command.Subcommands.Add(purge);
        return command;
    }
}
