using Rewind.Core.Access;

namespace Rewind.Core.Engine;

/// <summary>
/// The authorizer asked ahead of an operation: a shell about to show its one question asks first, so nobody
/// confirms a rollback only to be told they may not run it. The operation asks again when it runs.
/// </summary>
internal sealed class Authorizing(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task RequireAsync(string who, Permission permission, string? target, string? reason = null, CancellationToken cancellationToken = default)
    {
        if (target is not null)
        {
            // A mistyped target is bad input (exit 2) before any rule refuses, as in the operation itself.
            _config.Target(target);
        }

        if (Allows(who, permission))
        {
            return;
        }

        // Audited like the refusal the operation itself would have made.
        await AuditedAsync<bool>(permission.Operation, target, who, reason, _ => throw NotAuthorized(who, permission), cancellationToken);
    }
}
