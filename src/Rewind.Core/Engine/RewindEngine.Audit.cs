using Microsoft.Extensions.Logging;
using Rewind.Core.Audit;
using Rewind.Core.Ledger;

namespace Rewind.Core.Engine;

public sealed partial class RewindEngine
{
    public IAuditLog AuditLog => _audit;

    /// <summary>
    /// Runs an operation and appends its audit entry: succeeded, failed, or refused by a rule. Bad input is
    /// not audited: it changes nothing, the ledger included.
    /// </summary>
    private async Task<T> AuditedAsync<T>(string operation, string? target, string who, string? reason, Func<AuditScope, Task<T>> body, CancellationToken cancellationToken)
    {
        var scope = new AuditScope();
        var started = _time.GetUtcNow();
        // The operation's span: its audit outcome is its outcome, and the steps the journal records are its children.
        using var span = Observability.RewindTracing.Operation(operation, target);
        string outcome;
        try
        {
            var result = await body(scope);
            outcome = scope.Failed ? "failed" : "succeeded";
            Observability.RewindTracing.Outcome(span, outcome, scope.Failed ? scope.Detail : null);
            await AppendAuditAsync(operation, target, who, reason, scope, started, outcome);
            return result;
        }
        catch (BadInputException e)
        {
            // Every refusal is audited (invariant 8), bad input too; it changed nothing else.
            scope.Detail = e.Message;
            Observability.RewindTracing.Outcome(span, "refused:bad-input");
            await AppendAuditAsync(operation, target, who, reason, scope, started, "refused:bad-input");
            throw;
        }
        catch (RefusedException e)
        {
            scope.Detail = e.Message;
            Observability.RewindTracing.Outcome(span, $"refused:{e.Rule}");
            _log.LogInformation("{Operation} of {Target} refused ({Rule}): {Detail}", operation, target, e.Rule, Secrets.SecretMask.Message(e));
            await AppendAuditAsync(operation, target, who, reason, scope, started, $"refused:{e.Rule}");
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            scope.Detail ??= e.Message;
            Observability.RewindTracing.Outcome(span, "failed", e.Message);
            _log.LogError(e, "{Operation} of {Target} failed: {Detail}", operation, target, Secrets.SecretMask.Message(e));
            await AppendAuditAsync(operation, target, who, reason, scope, started, "failed");
            throw;
        }

        async Task AppendAuditAsync(string op, string? t, string w, string? r, AuditScope s, DateTimeOffset start, string result) =>
            await _audit.AppendAsync(new AuditEntry
            {
                At = _time.GetUtcNow(),
                Who = w,
                Operation = op,
                Target = t,
                Deployment = s.Deployment,
                Reason = Secrets.SecretMask.Values(r),
                FromVersion = s.FromVersion,
                ToVersion = s.ToVersion,
                StartedAt = start,
                EndedAt = _time.GetUtcNow(),
                Outcome = result,
                Detail = Secrets.SecretMask.Apply(s.Detail),
                OverBudget = s.OverBudget,
            }, CancellationToken.None);
    }

    /// <summary>The version a target runs, as the audit names it: its newest applied bundle, or none.</summary>
    private static string VersionOf(IEnumerable<Deployment> deployments, string? except = null) =>
        deployments.FirstOrDefault(d => d.IsApplied && d.Id != except) is { } d ? $"{d.BundleId} ({d.Id})" : "(no deployment)";
}
