using System.Diagnostics;
using Rewind.Core.Ledger;

namespace Rewind.Core.Observability;

/// <summary>
/// The engine's spans, on the activity source <c>Rewind</c>: one per operation (<c>rewind.deploy</c>,
/// <c>rewind.rollback</c>, ...) and one per journal step under it (the apply, each slot switch, each hook, each
/// check, each notification). Attributes are the target, deployment, bundle and outcome; free text (an error) is
/// masked for secrets first, and commands, addresses and reasons are never attached: they are where secrets live.
/// Nothing is recorded unless a listener (an OpenTelemetry exporter) subscribed to the source.
/// </summary>
public static class RewindTracing
{
    public const string SourceName = "Rewind";

    internal static readonly ActivitySource Source = new(SourceName);

    internal static Activity? Operation(string operation, string? target)
    {
        var activity = Source.StartActivity($"rewind.{operation}");
        activity?.SetTag("rewind.operation", operation);
        activity?.SetTag("rewind.target", target);
        return activity;
    }

    /// <summary>A step's span; what it is not told (a check knows no target) it takes from the span it runs under.</summary>
    internal static Activity? Step(string step, Deployment? deployment = null, string? target = null)
    {
        var parent = Activity.Current;
        var activity = Source.StartActivity(step);
        if (activity is not null)
        {
            activity.SetTag("rewind.target", deployment?.Target ?? target ?? parent?.GetTagItem("rewind.target"));
            activity.SetTag("rewind.deployment", deployment?.Id ?? parent?.GetTagItem("rewind.deployment"));
            activity.SetTag("rewind.bundle", deployment?.BundleId ?? parent?.GetTagItem("rewind.bundle"));
        }

        return activity;
    }

    /// <summary>Names the deployment and bundle on the operation's span, once the operation knows them.</summary>
    internal static void Identify(Deployment deployment)
    {
        if (Activity.Current is { } current && current.Source == Source)
        {
            // The current span may be a step: name them on it and on every Rewind span above it.
            for (var span = current; span is not null && span.Source == Source; span = span.Parent)
            {
                span.SetTag("rewind.deployment", deployment.Id);
                span.SetTag("rewind.bundle", deployment.BundleId);
            }
        }
    }

    /// <summary>Ends a span with its outcome: "ok", or the failure (masked) as its status.</summary>
    internal static void Outcome(Activity? activity, string outcome, string? error = null)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("rewind.outcome", outcome);
        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, Secrets.SecretMask.Apply(error));
        }
    }
}
