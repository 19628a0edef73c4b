using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Mvc;
using Rewind.Core.Ledger;
using Rewind.Core;
using Rewind.Core.Access;
using Rewind.Core.Audit;
using Rewind.Core.Configuration;
using Rewind.Core.Reporting;
using Rewind.Server.Access;
using Rewind.Server.Operations;
using Rewind.Server.Problems;
using Rewind.Server.Views;
using Rewind.Core.Engine;

namespace Rewind.Server.Endpoints;

/// <summary>The audit log, the caller, long operations, quarantine, groups and their train.</summary>
internal static class ReadEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/me", (HttpContext http) =>
        {
            var caller = Caller.Of(http);
            return Results.Ok(new { name = caller.Name, role = caller.Role });
        })
            .WithSummary("Who the token names, and its role");

        api.MapGet("/audit", async (string? target, string? operation, int? limit, RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(new { entries = (await engine.AuditLog.ReadAsync(new AuditQuery(target, operation, null, Math.Clamp(limit ?? 200, 1, 10_000)), cancellationToken)).Select(ApiViews.Audit) }))
            .WithSummary("The audit log, oldest first (the newest ?limit= entries, default 200; filter with ?target= and ?operation=)");

        api.MapGet("/audit/verify", async (RewindEngine engine, CancellationToken cancellationToken) =>
            await engine.AuditLog.VerifyAsync([], cancellationToken) is { } problem
                ? Results.Ok(new { verified = false, problem })
                : Results.Ok(new { verified = true, problem = (string?)null }))
            .WithSummary("Recompute the audit log's hash chain");

        api.MapGet("/operations/{id}", async (string id, OperationRegistry operations, RewindEngine engine, CancellationToken cancellationToken) =>
        {
            if (operations.Find(id) is not { } operation)
            {
                return Results.Problem(ProblemMapping.Problem(StatusCodes.Status404NotFound, "not-found", "No such operation",
                    $"this server instance has no operation '{id}': operations are kept by the instance that started them (the deployment's journal is in every instance's history)"));
            }

            // The journal is read from the store each time: it is what the engine writes before and after each step.
            var deployment = operation.Deployment is null ? null : (await engine.HistoryAsync(operation.Target, cancellationToken)).FirstOrDefault(d => d.Id == operation.Deployment);
            return Results.Ok(ApiViews.Operation(operation, deployment));
        }).WithSummary("A long operation's status, progress and journal; its result or problem once it ends");

        api.MapGet("/rollbacks", async (int? limit, RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(new
            {
                budgetSeconds = engine.Config.RollbackBudget.TotalSeconds,
                rollbacks = (await engine.RollbacksAsync(Math.Clamp(limit ?? 100, 1, 1000), cancellationToken)).Select(d => new
                {
                    target = d.Target,
                    deployment = d.Id,
                    bundle = d.BundleId,
                    at = d.RolledBackAt,
                    seconds = d.RollbackDuration!.Value.TotalSeconds,
                    overBudget = d.RollbackOverBudget,
                    automatic = d.AutomaticRollback,
                    status = d.Status.ToName(),
                }),
            }))
            .WithSummary("The most recent rollbacks on every target (at most ?limit=, default 100), oldest first, with their durations and the budget");

        api.MapGet("/quarantine", async (RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(new { tables = (await engine.QuarantineListAsync(cancellationToken)).Select(JsonViews.Quarantine) }))
            .WithSummary("Tables that rollbacks moved aside, on every target");

        api.MapPost("/quarantine/purge", async ([FromBody] PurgeBody? body, HttpContext http, RewindEngine engine, CancellationToken cancellationToken) =>
        {
            var olderThan = ConfigLoader.ParseDuration(body?.OlderThan ?? "")
                ?? throw new BadInputException("send {\"olderThan\": \"7d\"}: quarantined tables older than that are dropped");
            var purged = await engine.QuarantinePurgeAsync(olderThan, Caller.Of(http).Name, cancellationToken);
            return Results.Ok(new { purged = purged.Select(JsonViews.Quarantine) });
        }).RequireRole(Permissions.QuarantinePurge)
            .WithSummary("Drop quarantined tables older than {\"olderThan\": \"7d\"} (train-admin)");

        api.MapGet("/groups", (RewindEngine engine) =>
            Results.Ok(new { groups = engine.Config.Groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal).Select(g => new { name = g.Name, stages = g.Stages, soakSeconds = g.Soak.TotalSeconds }) }))
            .WithSummary("The groups of rewind.yaml: their stages of targets");

        api.MapGet("/groups/{name}/train", async (string name, RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(JsonViews.Train(await engine.TrainAsync(name, cancellationToken))))
            .WithSummary("The train matrix of a group: its targets × the bundles of its train, each cell's state, each target's position");

        api.MapPost("/groups/{name}/unlock", async (string name, [FromBody] ReasonBody? body, HttpContext http, RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(JsonViews.Unlocked(null, name, await engine.UnlockGroupAsync(name, Caller.Of(http).Name, body?.Reason ?? "", cancellationToken))))
            .RequireRole(Permissions.Unlock)
            .WithSummary("Break the lock of a hung group rollout: {\"reason\": ...}; the same rules as a target's");
    }
}
