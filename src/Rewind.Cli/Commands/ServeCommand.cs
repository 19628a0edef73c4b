using System.CommandLine;
using Rewind.Cli.Composition;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rewind.Core;
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
            var engine = await RewindHost.CreateEngineAsync(config, TimeProvider.System, cancellationToken, RewindCli.Telemetry.Logging, new Rewind.Server.Access.EdgeAuthorized());
            await engine.RecordConfigChangeAsync(context.Who, cancellationToken);
            var listen = ListenUrls(parse.GetValue(urls)!);
            // A failure to start is reported once, in words, by the CLI; --verbose keeps the host's own log with its stack.
            var verbose = parse.GetValue(RewindCli.Verbose);
            await using var app = RewindServer.Build(engine, RewindHost.OpenTokenStore(config.Store), listen,
                logging: l =>
                {
                    // The request log is on by default (one line per request); --log-format json makes every line JSON.
                    if (RewindCli.Telemetry.JsonLogs)
                    {
                        l.ClearProviders();
                        CliTelemetry.Configure(l, json: true);
                    }

                    l.AddFilter("Microsoft.Extensions.Hosting", verbose ? LogLevel.Information : LogLevel.None);
                    l.AddFilter("Microsoft.Hosting.Lifetime", verbose ? LogLevel.Information : LogLevel.None);
                });
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e)
            {
                throw new OperationFailedException($"cannot listen on {string.Join(", ", listen)}: {e.Message}", e);
            }

            // Where it listens, never what it connects to: the store's connection string may hold a password.
            Console.Out.WriteLine($"rewind: serving {Rewind.Cli.Rendering.Output.Count(config.Targets.Count, "target")} on {string.Join(", ", app.Urls)} (dashboard at /, API under /api, OpenAPI at /openapi/v1.json)");
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>The --urls list, each an absolute http or https URL (Kestrel's * and + hosts allowed), checked before anything starts.</summary>
    private static string[] ListenUrls(string value)
    {
        var listen = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bad = listen.FirstOrDefault(u => !Uri.TryCreate(u.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Port <= 0);
        if (listen.Length == 0 || bad is not null)
        {
            throw new BadInputException($"--urls: '{bad ?? value}' is not a URL to listen on; give http://HOST:PORT (several separated by ';'), e.g. http://127.0.0.1:8080");
        }

        return listen;
    }
}
