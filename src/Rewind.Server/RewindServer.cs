using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Rewind.Core.Access;
using Rewind.Core.Artifacts;
using Rewind.Server.Access;
using Rewind.Server.Endpoints;
using Rewind.Server.Observability;
using Rewind.Server.Operations;
using Rewind.Server.Problems;
using Rewind.Core.Engine;

namespace Rewind.Server;

/// <summary>
/// <c>rewind serve</c>: the HTTP API and the dashboard over one engine. A thin shell: authentication by API token,
/// a role per endpoint, one engine call per handler, and failures mapped to problem details in one place. Several
/// instances may share one PostgreSQL control plane: everything they share (state, locks, audit, tokens) is there.
/// </summary>
public static class RewindServer
{
    /// <summary>The largest request body other than a bundle upload: JSON of a few fields.</summary>
    public const long MaxJsonBodyBytes = 64 * 1024;

    /// <summary>Builds the server; the caller starts it (and owns the engine and token store it was given).</summary>
    public static WebApplication Build(RewindEngine engine, ITokenStore tokens, IReadOnlyList<string> urls, TimeProvider? time = null, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.WebHost.UseUrls([.. urls]);
        // Every request body is small (JSON of a few fields) except a bundle upload, which raises its own limit.
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = MaxJsonBodyBytes);
        var uploads = PrivateDirectory.Ensure(Path.Combine(engine.Artifacts.Root, "uploads"));
        ServerPaths.Configure((uploads, "<upload folder>"), (engine.Artifacts.Root, "<artifact store>"), (engine.Config.BaseDirectory, "<config folder>"), (Path.GetTempPath(), "<temp>"));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton(time ?? TimeProvider.System);
        builder.Services.AddSingleton<OperationRegistry>();
        builder.Services.AddSingleton(services => new BundleUpload(uploads, engine.Config.Limits, services.GetRequiredService<ILogger<BundleUpload>>()));
        builder.Services.AddOpenApi();
        MetricsEndpoint.AddMetrics(builder.Services);
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));

        var app = builder.Build();
        app.UseMiddleware<RequestLog>();
        app.Use((context, next) =>
        {
            // Set as the answer starts, so an answer rewritten on the way (a problem) carries it too.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            });
            return next(context);
        });
        app.UseMiddleware<ProblemMiddleware>();
        app.UseRouting();
        app.UseMiddleware<TokenAuthentication>();

        DashboardEndpoints.Map(app);
        MetricsEndpoint.Map(app);
        app.MapOpenApi();
        var api = app.MapGroup("/api");
        TargetEndpoints.Map(api);
        ReadEndpoints.Map(api);
        app.MapFallback((HttpContext http) => Results.Problem(ProblemMapping.Problem(StatusCodes.Status404NotFound, "not-found", "Not found",
            $"nothing at {http.Request.Method} {http.Request.Path}: the API is under /api (see /openapi/v1.json), the dashboard at /"))).ExcludeFromDescription();
        return app;
    }

    private static void ConfigureJson(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
    }
}
