using Rewind.Core.Access;
using Rewind.Core.Locks;
using Rewind.Core.Ledger;

namespace Rewind.Core.Engine;

internal sealed class Unlocking(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public Task<LockHolder> UnlockAsync(string target, string who, string reason, CancellationToken cancellationToken = default) =>
        UnlockAsync(target, _config.Target(target).Name, $"target {target}", who, reason, cancellationToken);

    public Task<LockHolder> UnlockGroupAsync(string group, string who, string reason, CancellationToken cancellationToken = default) =>
        UnlockAsync(null, TargetLock.GroupKey(_config.Group(group).Name), $"group {group}", who, reason, cancellationToken);

    private Task<LockHolder> UnlockAsync(string? auditedTarget, string key, string subject, string who, string reason, CancellationToken cancellationToken) =>
        AuditedAsync("unlock", auditedTarget, who, reason, async scope =>
        {
            if (string.IsNullOrWhiteSpace(reason))
            {
                throw new BadInputException("breaking a lock needs a reason (--reason \"...\"): the audit must say why the operation was judged hung");
            }

            Authorize(who, Permissions.Unlock);

            var holder = await _store.GetLockAsync(key, cancellationToken)
                ?? throw new RefusedException("not-locked", $"{subject} is not locked: no operation holds it, so there is nothing to break");
            await _store.ReleaseLockAsync(key, holder.Token, cancellationToken);
            scope.Detail = $"broke the lock of {subject}: {holder.Describe()}{(holder.IsStale(_time.GetUtcNow()) ? " (already stale)" : "")}";
            return holder;
        }, cancellationToken);
}
