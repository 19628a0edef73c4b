using System.CommandLine;
using Rewind.Cli.Composition;
using Microsoft.Extensions.Hosting;
using Rewind.Server;

namespace Rewind.Cli.Commands;

/// <summary><c>rewind serve</c>: the HTTP API and the dashboard, until stopped (Ctrl+C or SIGTERM).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen, ';'-separated (default http://127.0.0.1:8080)", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var command = new Command("serve", "The HTTP API (bearer tokens, roles) and the dashboard at /") { urls };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var context = new CliContext(parse);
            var config = context.LoadConfig();
            var engine = await RewindHost.CreateEngineAsync(config, TimeProvider.System, cancellationToken);
            var listen = parse.GetValue(urls)!.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            await using var app = RewindServer.Build(engine, RewindHost.OpenTokenStore(config.Store), listen);
            await app.StartAsync(cancellationToken);
            // Where it listens, never what it connects to: the store's connection string may hold a password.
            Console.Out.WriteLine($"rewind: serving {config.Targets.Count} target(s) on {string.Join(", ", app.Urls)} (dashboard at /, API under /api, OpenAPI at /openapi/v1.json)");
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
