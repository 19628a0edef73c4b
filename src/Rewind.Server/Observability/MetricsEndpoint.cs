using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Rewind.Core.Observability;
using Rewind.Core.Engine;

namespace Rewind.Server.Observability;

/// <summary>
/// <c>GET /metrics</c>: the engine's instruments in Prometheus' text format, without a token (nothing in them is
/// secret: targets, outcomes and states). The targets' states are read from the store at each scrape, so every
/// instance sharing a control plane reports the same <c>rewind_targets</c>; counters are this instance's own.
/// </summary>
internal static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static void AddMetrics(IServiceCollection services) =>
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? "rewind"))
            .WithMetrics(metrics => metrics
            .AddMeter(RewindMetrics.MeterName)
            // Each scrape answers with what is true now (the exporter otherwise serves a cached answer for 300 ms).
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));

    public static void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == Path)
            {
                var engine = context.RequestServices.GetRequiredService<RewindEngine>();
                RewindMetrics.TargetStates(await engine.TargetStatesAsync(context.RequestAborted));
            }

            await next(context);
        });
        app.MapPrometheusScrapingEndpoint(Path).AllowAnonymous().ExcludeFromDescription();
    }
}
