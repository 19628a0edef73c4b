using System.Diagnostics.Metrics;
using Rewind.Core.Ledger;

namespace Rewind.Core.Observability;

/// <summary>
/// The engine's instruments, on the meter <c>Rewind</c>. Their names are the ones DESIGN.md ("Observability")
/// promises once a Prometheus exporter has translated them (dots to underscores, <c>_total</c> on counters, the
/// unit as a suffix): <c>rewind.deployments</c> is <c>rewind_deployments_total</c>, <c>rewind.rollback.duration</c>
/// in seconds is <c>rewind_rollback_duration_seconds</c>. Labels are target, outcome and state: never a person,
/// a reason or a detail, which are unbounded and may hold what nobody should scrape.
/// </summary>
public static class RewindMetrics
{
    public const string MeterName = "Rewind";

    // Seconds, from a fast SQLite rollback to one that overran any sane budget.
    private static readonly double[] SecondsBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Deployments = Meter.CreateCounter<long>("rewind.deployments", "{deployment}", "Deployments that finished, by target and outcome (verified, unverified, failed)");
    private static readonly Counter<long> Rollbacks = Meter.CreateCounter<long>("rewind.rollbacks", "{rollback}", "Rollbacks that finished, by target and outcome (rolled-back, frozen, failed)");
    private static readonly Counter<long> OverBudget = Meter.CreateCounter<long>("rewind.rollbacks.over_budget", "{rollback}", "Rollbacks that took longer than the rollback budget, by target");
    private static readonly Counter<long> Applied = Meter.CreateCounter<long>("rewind.records.applied", "{record}", "Records and rows a deploy or a rollback applied, by target and direction");
    private static readonly Histogram<double> DeploymentSeconds = Seconds("rewind.deployment.duration", "How long a deployment took, from its lock to its outcome");
    private static readonly Histogram<double> RollbackSeconds = Seconds("rewind.rollback.duration", "How long a rollback took, from its start to its outcome (compare with the budget)");
    private static readonly Histogram<double> LockWaitSeconds = Seconds("rewind.lock.wait", "How long taking a target's lock took (the ledger, then the target's own claim)");
    private static IReadOnlyDictionary<string, long>? _targets;

    static RewindMetrics() =>
        Meter.CreateObservableGauge("rewind.targets", ObserveTargets, "{target}", "Configured targets by train state (on-train, off-train, frozen), as last read");

    /// <summary>A deployment reached its outcome.</summary>
    internal static void DeploymentFinished(Deployment deployment, string outcome)
    {
        Deployments.Add(1, Tag("target", deployment.Target), Tag("outcome", outcome));
        if (deployment.StartedAt is { } started && deployment.FinishedAt is { } finished)
        {
            DeploymentSeconds.Record(Math.Max(0, (finished - started).TotalSeconds), Tag("target", deployment.Target), Tag("outcome", outcome));
        }
    }

    /// <summary>A rollback reached its outcome; <paramref name="elapsed"/> is what the budget is compared with.</summary>
    internal static void RollbackFinished(Deployment deployment, string outcome, TimeSpan? elapsed)
    {
        Rollbacks.Add(1, Tag("target", deployment.Target), Tag("outcome", outcome));
        if (elapsed is { } took)
        {
            RollbackSeconds.Record(Math.Max(0, took.TotalSeconds), Tag("target", deployment.Target), Tag("outcome", outcome));
        }

        if (deployment.RollbackOverBudget)
        {
            OverBudget.Add(1, Tag("target", deployment.Target));
        }
    }

    /// <summary>Records and rows applied to a target, forward (deploy) or back (rollback).</summary>
    internal static void RecordsApplied(Deployment deployment, string direction) =>
        Applied.Add(deployment.Records + deployment.Rows + deployment.RowChanges, Tag("target", deployment.Target), Tag("direction", direction));

    internal static void LockWaited(string target, TimeSpan waited) =>
        LockWaitSeconds.Record(Math.Max(0, waited.TotalSeconds), Tag("target", target));

    /// <summary>
    /// The targets' states as just read (a scrape reads them first): the gauge reports these counts, every state
    /// present even at zero, so a dashboard's "frozen" panel reads 0 rather than "no data".
    /// </summary>
    public static void TargetStates(IEnumerable<TargetState> states)
    {
        var counts = Enum.GetValues<TrainState>().ToDictionary(s => (TargetState.OnTrain("") with { State = s }).StateName, _ => 0L, StringComparer.Ordinal);
        foreach (var state in states)
        {
            counts[state.StateName] = counts.GetValueOrDefault(state.StateName) + 1;
        }

        _targets = counts;
    }

    private static IEnumerable<Measurement<long>> ObserveTargets() =>
        (_targets ?? new Dictionary<string, long>()).Select(c => new Measurement<long>(c.Value, Tag("state", c.Key)));

    private static Histogram<double> Seconds(string name, string description) =>
        Meter.CreateHistogram(name, "s", description, tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
