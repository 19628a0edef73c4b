using Rewind.Core.Audit;
using Rewind.Core.Configuration;

namespace Rewind.Core.Engine;

internal sealed class DeployWindows(EngineParts parts, EngineUseCases uses) : EngineUseCase(parts, uses)
{
    /// <summary>
    /// Refuses a deploy outside <paramref name="window"/> (exit 3) unless the caller asked for the exception with a
    /// reason, which the audit keeps. Only deploys come here: a rollback is never held by a window.
    /// </summary>
    internal void RequireOpenWindow(DeployWindow? window, string subject, bool outsideWindow, string? reason, AuditScope scope)
    {
        var now = _time.GetUtcNow();
        if (outsideWindow && string.IsNullOrWhiteSpace(reason))
        {
            throw new BadInputException("--outside-window needs --reason \"...\": deploying outside the agreed window must be justified; nothing was changed");
        }

        if (window is null || window.Contains(now))
        {
            return;
        }

        if (!outsideWindow)
        {
            throw new RefusedException("outside-window", $"{subject} accepts deploys only inside its window {window.Describe(now)}. Deploy then, or now with --outside-window --reason \"...\" (audited). Rollbacks are never held by a window.");
        }

        scope.AddDetail($"outside its window {window}: {reason}");
    }

    public string? WindowOf(string target) => _config.WindowOf(target)?.Describe(_time.GetUtcNow());
}
