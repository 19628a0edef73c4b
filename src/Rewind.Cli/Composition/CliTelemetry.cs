using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Rewind.Core.Observability;

namespace Rewind.Cli.Composition;

/// <summary>
/// What one CLI run emits besides its output. Logs: none by default (a successful command prints only its result);
/// <c>--verbose</c> or <c>--log-format text|json</c> send the engine's steps to stderr, as text or one JSON object
/// per line. Traces and metrics: exported through OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (with the
/// standard <c>OTEL_*</c> variables: protocol, headers, service name), nothing otherwise. Disposing flushes them,
/// so a short command still delivers its spans before it exits.
/// </summary>
internal sealed class CliTelemetry : IDisposable
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    private readonly TracerProvider? _traces;
    private readonly MeterProvider? _metrics;

    private CliTelemetry(ILoggerFactory logging, TracerProvider? traces, MeterProvider? metrics)
    {
        Logging = logging;
        _traces = traces;
        _metrics = metrics;
    }

    /// <summary>Where the engine logs; a factory that drops everything unless asked for.</summary>
    public ILoggerFactory Logging { get; }

    /// <summary>True when logs are written as JSON lines (the server's request log follows suit).</summary>
    public bool JsonLogs { get; private init; }

    /// <summary>No logs, no export: until a command line asks for them.</summary>
    public static CliTelemetry Quiet { get; } = new(NullLoggerFactory.Instance, null, null);

    public static CliTelemetry Start(bool verbose, string? logFormat)
    {
        var json = logFormat == "json";
        var logging = verbose || logFormat is not null ? LoggerFactory.Create(b => Configure(b, json)) : NullLoggerFactory.Instance;
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(EndpointVariable)))
        {
            return new CliTelemetry(logging, null, null) { JsonLogs = json };
        }

        var service = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "rewind";
        var traces = Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => r.AddService(service))
            .AddSource(RewindTracing.SourceName)
            .AddNpgsql()
            .AddOtlpExporter()
            .Build();
        var metrics = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => r.AddService(service))
            .AddMeter(RewindMetrics.MeterName)
            .AddOtlpExporter()
            .Build();
        return new CliTelemetry(logging, traces, metrics) { JsonLogs = json };
    }

    /// <summary>The console logger the CLI uses (and <c>rewind serve</c> for its request log): stderr only, so stdout stays the result.</summary>
    public static void Configure(ILoggingBuilder builder, bool json)
    {
        builder.SetMinimumLevel(LogLevel.Information);
        builder.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        if (json)
        {
            builder.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                // Text as written (no \u003C for '<'): the secret masking works on the text, so an escaped secret
                // would slip past it.
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            });
            return;
        }

        builder.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.ColorBehavior = Console.IsErrorRedirected ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
        });
    }

    public void Dispose()
    {
        // A collector that does not answer must not hold a command's exit for the exporter's own 10 s timeout.
        Parallel.Invoke(() => _traces?.Shutdown(ShutdownMilliseconds), () => _metrics?.Shutdown(ShutdownMilliseconds));
        _traces?.Dispose();
        _metrics?.Dispose();
        Logging.Dispose();
    }

    private const int ShutdownMilliseconds = 3000;
}
