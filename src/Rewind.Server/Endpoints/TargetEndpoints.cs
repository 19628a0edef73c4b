using Rewind.Core.Reporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Rewind.Core;
using Rewind.Core.Access;
using Rewind.Server.Access;
using Rewind.Server.Problems;
using Rewind.Server.Views;
using Rewind.Core.Engine;

namespace Rewind.Server.Endpoints;

/// <summary>Targets: their state, their deployments, and the operations on them. Each handler is one engine call.</summary>
internal static class TargetEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/targets", async (RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(new { targets = (await engine.StatusAsync(null, cancellationToken)).Select(ApiViews.Target) }))
            .WithSummary("Every target with its state (on-train, off-train, frozen, diverged), who holds it busy, and its last deployment");

        api.MapGet("/targets/{name}", async (string name, RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(ApiViews.Target((await engine.StatusAsync(name, cancellationToken)).Single())))
            .WithSummary("One target's state and last deployment");

        api.MapGet("/targets/{name}/deployments", async (string name, RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(new { target = name, deployments = (await engine.HistoryAsync(name, cancellationToken)).Select(JsonViews.Summary) }))
            .WithSummary("A target's deployments, newest first");

        api.MapGet("/targets/{name}/deployments/{id}", async (string name, string id, RewindEngine engine, CancellationToken cancellationToken) =>
            (await engine.HistoryAsync(name, cancellationToken)).FirstOrDefault(d => d.Id == id) is { } deployment
                ? Results.Ok(JsonViews.Deployment(deployment))
                : Results.Problem(ProblemMapping.Problem(StatusCodes.Status404NotFound, "not-found", "No such deployment", $"target {name} has no deployment '{id}'")))
            .WithSummary("One deployment in full: checks, hooks, code slots and its journal (its impact report)");

        api.MapGet("/targets/{name}/rollback/preview", PreviewAsync)
            .WithSummary("What a rollback would undo now (deployment, bundle, when, by whom, records and rows) and what the target goes back to, with the rollback dry run (plan: records, tables, data copies, row changes kept or saved, live edits, business tables); 409 when a rollback would be refused");

        api.MapPost("/targets/{name}/deployments", DeployAsync)
            .RequireRole(Permissions.Deploy)
            .WithSummary("Deploy a bundle: a .zip as the body (reason in ?reason=, ?outsideTrain=true for a member of a group past its train, ?outsideWindow=true to deploy outside the target's window, each with a reason; at most the bundle limits, else 413), or JSON {\"path\": ..., \"reason\": ..., \"outsideTrain\": true, \"outsideWindow\": true} naming a bundle in the artifact store. Prefer: respond-async answers 202 with an operation to poll");

        api.MapPost("/targets/{name}/rollback", RollbackAsync)
            .RequireRole(Permissions.Rollback)
            .WithSummary("Roll back the newest deployment: {\"reason\": ..., \"deployment\": expected id (optional)}. Prefer: respond-async answers 202 with an operation to poll");

        api.MapPost("/targets/{name}/clear", async (string name, [FromBody] ClearBody? body, HttpContext http, RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(JsonViews.State(await engine.ClearAsync(name, Caller.Of(http).Name, body?.Reason ?? "", body?.Force ?? false, cancellationToken))))
            .RequireRole(Permissions.Clear)
            .WithSummary("Lift an off-train hold: {\"reason\": ..., \"force\": false}; a target of a group must be aligned with it unless forced (recorded)");

        api.MapPost("/targets/{name}/unfreeze", async (string name, [FromBody] ReasonBody? body, HttpContext http, RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(JsonViews.State(await engine.UnfreezeAsync(name, Caller.Of(http).Name, body?.Reason ?? "", cancellationToken))))
            .RequireRole(Permissions.Unfreeze)
            .WithSummary("Record the decision that ends a frozen incident: {\"reason\": ...}; the target stays off-train until cleared");

        api.MapPost("/targets/{name}/unlock", async (string name, [FromBody] ReasonBody? body, HttpContext http, RewindEngine engine, CancellationToken cancellationToken) =>
            Results.Ok(JsonViews.Unlocked(name, null, await engine.UnlockAsync(name, Caller.Of(http).Name, body?.Reason ?? "", cancellationToken))))
            .RequireRole(Permissions.Unlock)
            .WithSummary("Break the lock of a live but hung operation: {\"reason\": ...}; the holder's process keeps running until someone stops it on its host, and is fenced out of the target and the ledger meanwhile");
    }

    private static async Task<IResult> PreviewAsync(string name, string? deployment, RewindEngine engine, CancellationToken cancellationToken)
    {
        // The rollback dry run: the deployment, what it goes back to, and what its inverse would change now, row
        // changes (kept, saved, restored) included, so the person saying yes sees what the CLI's --dry-run shows.
        return Results.Ok(ApiViews.Preview(await engine.DryRunRollbackAsync(name, deployment, cancellationToken)));
    }

    private static async Task<IResult> RollbackAsync(string name, [FromBody] RollbackBody? body, HttpContext http, RewindEngine engine)
    {
        if (string.IsNullOrWhiteSpace(body?.Reason))
        {
            throw new BadInputException("a rollback needs a reason: send {\"reason\": \"...\"} (the audit answers 'why was rollback executed?' with it)");
        }

        var who = Caller.Of(http).Name;
        // Resolved up front, so an asynchronous rollback's operation can show that deployment's journal, and the
        // rollback is pinned to what was newest when asked: if that changes meanwhile, it is refused, not redirected.
        var expected = body.Deployment ?? (await engine.PreviewRollbackAsync(name, null, http.RequestAborted)).Id;
        return await OperationRunner.RunAsync(http, "rollback", name, who, expected, async (progress, cancellationToken) =>
        {
            var result = await engine.RollbackAsync(new RollbackRequest(name, who, body.Reason, expected), progress, cancellationToken);
            return new OperationRunner.Outcome(result.Succeeded, JsonViews.Rollback(result), result.Explanation);
        });
    }

    private static async Task<IResult> DeployAsync(string name, string? reason, bool? outsideTrain, bool? outsideWindow, HttpContext http, RewindEngine engine, BundleUpload uploads, CancellationToken cancellationToken)
    {
        var who = Caller.Of(http).Name;
        string path;
        string? upload = null;
        if (http.Request.HasJsonContentType())
        {
            var body = await http.Request.ReadFromJsonAsync<DeployPathBody>(cancellationToken)
                ?? throw new BadInputException("send {\"path\": \"...\"} naming a bundle in the artifact store, or a bundle .zip as the body");
            path = InArtifactStore(engine, body.Path);
            reason = body.Reason ?? reason;
            outsideTrain = body.OutsideTrain || outsideTrain == true;
            outsideWindow = body.OutsideWindow ?? outsideWindow;
        }
        else
        {
            upload = await uploads.ReceiveAsync(http, cancellationToken);
            path = upload;
        }

        try
        {
            return await OperationRunner.RunAsync(http, "deploy", name, who, null, async (progress, token) =>
            {
                try
                {
                    var result = await engine.DeployAsync(new DeployRequest(path, name, who, reason) { OutsideTrain = outsideTrain == true, OutsideWindow = outsideWindow == true }, progress, token);
                    return new OperationRunner.Outcome(result.Succeeded, JsonViews.Deploy(result),
                        result.Succeeded ? null : $"deployment {result.Deployment.Id} of {result.Deployment.BundleId} to {name} did not verify: {result.Verification.Summary}");
                }
                finally
                {
                    // The engine stored its own copy of the bundle: the upload is not needed once the deploy ends.
                    BundleUpload.Delete(upload);
                }
            });
        }
        catch
        {
            BundleUpload.Delete(upload);
            throw;
        }
    }

    /// <summary>A path inside the artifact store; anything that would leave it is bad input, not a lookup.</summary>
    private static string InArtifactStore(RewindEngine engine, string? relative)
    {
        if (string.IsNullOrWhiteSpace(relative) || Path.IsPathRooted(relative))
        {
            throw new BadInputException("\"path\" must name a bundle inside the artifact store, relative to it (e.g. \"incoming/2026.11.3.zip\")");
        }

        var root = Path.GetFullPath(engine.Artifacts.Root) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, relative));
        if (!full.StartsWith(root, StringComparison.Ordinal))
        {
            throw new BadInputException($"\"path\" '{relative}' leaves the artifact store: only bundles inside it can be deployed by path");
        }

        return full;
    }
}
