using Rewind.Core.Access;
using Rewind.Core.Ledger;

namespace Rewind.Core.Engine;

internal sealed class Acknowledging(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public Task<IReadOnlyList<Deployment>> AckAsync(string target, string who, string reason, CancellationToken cancellationToken = default) =>
        AuditedAsync("ack", target, who, reason, async scope =>
        {
            var config = _config.Target(target);
            if (string.IsNullOrWhiteSpace(reason))
            {
                throw new BadInputException("acknowledging needs a reason (--reason \"...\"): the audit must say what the investigation found");
            }

            Authorize(who, Permissions.Ack);

            await using var targetLock = await LockAsync(config.Name, "ack", who, cancellationToken);
            var open = (await _store.GetDeploymentsAsync(config.Name, cancellationToken)).Where(d => d.NeedsInvestigation).ToList();
            if (open.Count == 0)
            {
                throw new RefusedException("nothing-to-ack", $"target {config.Name} has no over-budget rollback waiting for acknowledgement");
            }

            var ack = new Acknowledgement(who, reason, _time.GetUtcNow());
            var acked = new List<Deployment>();
            foreach (var deployment in open)
            {
                var journal = new DeploymentLifecycle(_store, _time, targetLock, deployment);
                await journal.UpdateAsync(d => d with { OverBudgetAck = ack }, cancellationToken);
                acked.Add(journal.Deployment);
            }

            scope.Deployment = string.Join(",", acked.Select(d => d.Id));
            scope.Detail = $"acknowledged over-budget rollback{(acked.Count == 1 ? "" : "s")} of {string.Join(", ", acked.Select(d => $"{d.Id} ({d.RollbackDuration?.TotalSeconds:0.0}s)"))}";
            return (IReadOnlyList<Deployment>)acked;
        }, cancellationToken);
}
