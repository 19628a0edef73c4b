using Rewind.Core.Configuration;

namespace Rewind.Core.Engine;

internal sealed class ConfigChanges(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    public async Task<bool> RecordConfigChangeAsync(string who, CancellationToken cancellationToken = default)
    {
        var now = _config.Sections;
        if (now.Digests.Count == 0)
        {
            return false;
        }

        var seen = await _store.GetConfigSeenAsync(cancellationToken);
        var before = seen is null ? null : ConfigSections.FromJson(seen);
        if (before?.Digest == now.Digest || !await _store.SwapConfigSeenAsync(seen, now.ToJson(), cancellationToken) || before is null)
        {
            return false;
        }

        var changed = now.ChangedFrom(before);
        var started = _time.GetUtcNow();
        await _audit.AppendAsync(new Audit.AuditEntry
        {
            At = started,
            Who = who,
            Operation = "config-changed",
            FromVersion = before.Digest,
            ToVersion = now.Digest,
            StartedAt = started,
            EndedAt = started,
            Outcome = "succeeded",
            Detail = $"sections changed: {string.Join(", ", changed)}",
        }, cancellationToken);
        return true;
    }
}
