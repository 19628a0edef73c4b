using System.Globalization;
using System.Text;

namespace Rewind.Bench;

/// <summary>Timings of one measure over its repetitions; the median is what the table shows.</summary>
internal sealed record Timing(IReadOnlyList<double> Seconds)
{
    public double Median
    {
        get
        {
            var sorted = Seconds.Order().ToList();
            return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }
    }
}

/// <summary>
/// One row of the main table: one engine, one bundle size, one body size. <see cref="Limit"/> is the fastest of
/// <see cref="Limits"/> (the engine's plain write of the same rows from memory, by every path measured).
/// </summary>
internal sealed record SizeResult(
    string Engine, BodySize Bodies, int Records, double AverageBodyBytes, int CopyRows, long BundleBytes, string LimitPath, Timing Limit,
    IReadOnlyDictionary<string, Timing> Limits, Timing ClientLoop, Timing Deploy, Timing Rollback, long StoredBytes, MemoryProbe.Outcome? Memory)
{
    public double DeployRatio => Deploy.Median / Limit.Median;

    public double RollbackRatio => Rollback.Median / Limit.Median;

    /// <summary>The median of each repetition's own ratio: measures taken side by side share the machine's mood, so on a noisy machine this is the steadier figure.</summary>
    public double PairedDeployRatio => new Timing(Deploy.Seconds.Zip(Limit.Seconds, (d, b) => d / b).ToList()).Median;

    public double PairedRollbackRatio => new Timing(Rollback.Seconds.Zip(Limit.Seconds, (r, b) => r / b).ToList()).Median;

    /// <summary>The artifact store's bytes for the deployment (bundle and inverse) against the bundle's own files.</summary>
    public double StoredRatio => StoredBytes / (double)BundleBytes;
}

/// <summary>The rollback of a small deployment beside a large business table, against restoring a whole-database backup.</summary>
internal sealed record BusinessResult(string Engine, long BusinessRows, int Records, long DatabaseBytes, double BackupSeconds, BusinessRow Cached, BusinessRow? Cold);

/// <summary>
/// One way of reading the saved state (<c>page cache</c>: just written; <c>cold</c>: evicted, read from disk): the
/// engine's limit (its plain write of the same records from memory, the fastest path each repetition), Rewind's
/// rollback, and the backup restore.
/// </summary>
internal sealed record BusinessRow(string SavedState, Timing Limit, Timing Rollback, Timing Restore)
{
    /// <summary>The rollback against the plain write of its rows: the design's target is at most 1.25.</summary>
    public double OverLimit => Rollback.Median / Limit.Median;

    public double Speedup => Restore.Median / Rollback.Median;

    /// <summary>The most any rollback could reach: one that cost no more than writing its rows.</summary>
    public double Ceiling => Restore.Median / Limit.Median;
}

/// <summary>The timings of one business row while they are being collected.</summary>
internal sealed class BusinessMeasures
{
    public List<double> Limit { get; } = [];

    public List<double> Rollback { get; } = [];

    public List<double> Restore { get; } = [];

    public BusinessRow ToRow(string savedState) => new(savedState, new Timing(Limit), new Timing(Rollback), new Timing(Restore));
}

internal sealed record MachineInfo(string Cpu, int Cores, long MemoryBytes, string Os, string Runtime, IReadOnlyDictionary<string, string> Engines);

internal sealed record BenchReport(DateTimeOffset At, MachineInfo Machine, BenchOptions Options, IReadOnlyList<SizeResult> Sizes, IReadOnlyList<BusinessResult> Business, IReadOnlyList<PlatformRowsResult> PlatformRows, IReadOnlyList<RehearseResult> Rehearsals)
{
    public IReadOnlyList<FleetResult> Fleets { get; init; } = [];

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.Cpu}, {Machine.Cores} cores, {Gb(Machine.MemoryBytes)} RAM; {Machine.Os}; {Machine.Runtime}.");
        foreach (var (engine, description) in Machine.Engines)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{engine}: {description}.");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Median of {Options.Repeat} interleaved repetitions; times in seconds; ratios of the medians against the limit (in brackets: the median of each repetition's own ratio).");
        text.AppendLine();
        text.AppendLine("| engine | bodies | N | limit | client loop | deploy | rollback | deploy/limit | rollback/limit | peak deploy | peak rollback | stored per deploy |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in Sizes)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Engine} | {r.Bodies.ToString().ToLowerInvariant()} ({r.AverageBodyBytes:0} B) | {r.Records:N0} | {r.Limit.Median:0.000} ({r.LimitPath}) | {r.ClientLoop.Median:0.000} | {r.Deploy.Median:0.000} | {r.Rollback.Median:0.000} | {r.DeployRatio:0.00} ({r.PairedDeployRatio:0.00}) | {r.RollbackRatio:0.00} ({r.PairedRollbackRatio:0.00}) | {Mb(r.Memory?.DeployPeakBytes)} | {Mb(r.Memory?.RollbackPeakBytes)} | {Size(r.StoredBytes)} ({r.StoredRatio:0.00}× bundle) |");
        }

        var alternatives = Sizes.Where(r => r.Limits.Count > 1).ToList();
        if (alternatives.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Limit paths measured (median seconds; the fastest is the limit above): " + string.Join("; ", alternatives.Select(r =>
                string.Create(CultureInfo.InvariantCulture, $"{r.Engine} {r.Bodies.ToString().ToLowerInvariant()} N={r.Records:N0}: ") +
                string.Join(", ", r.Limits.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Key} {l.Value.Median:0.000}"))))) + ".");
        }

        if (Business.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| engine | business rows | database size | records rolled back | saved state | limit | rollback | backup restore | rollback/limit | restore/rollback | restore/limit |");
            text.AppendLine("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var b in Business)
            {
                foreach (var row in new[] { b.Cached, b.Cold }.OfType<BusinessRow>())
                {
                    text.AppendLine(CultureInfo.InvariantCulture,
                        $"| {b.Engine} | {b.BusinessRows:N0} | {Gb(b.DatabaseBytes)} | {b.Records:N0} | {row.SavedState} | {row.Limit.Median:0.000} | {row.Rollback.Median:0.000} | {row.Restore.Median:0.000} | {row.OverLimit:0.00} | {Times(row.Speedup)} | {Times(row.Ceiling)} |");
                }
            }
        }

        if (PlatformRows.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| engine | platform table rows | row changes | inverse rows | inverse size | deploy | rollback |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var p in PlatformRows)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {p.Engine} | {p.TableRows:N0} | {p.Changes:N0} | {p.InverseRows:N0} | {p.InverseBytes:N0} B | {p.Deploy.Median:0.000} | {p.Rollback.Median:0.000} |");
            }
        }

        if (Rehearsals.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| engine | business rows | database size | tables copied | rows copied | copy | rehearsal | whole-database copy |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var r in Rehearsals)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.Engine} | {r.BusinessRows:N0} | {Gb(r.DatabaseBytes)} | {r.CopiedTables} | {r.CopiedRows:N0} | {r.Copy.Median:0.000} | {r.Rehearsal.Median:0.000} | {r.WholeCopy.Median:0.000} |");
            }
        }

        text.Append(FleetResult.ToMarkdown(Fleets));
        return text.ToString();
    }

    private static string Times(double ratio) => ratio < 10
        ? string.Create(CultureInfo.InvariantCulture, $"{ratio:0.0}×")
        : string.Create(CultureInfo.InvariantCulture, $"{ratio:0}×");

    private static string Mb(long? bytes) => bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b / (1024.0 * 1024):0} MB") : "–";

    private static string Size(long bytes) => bytes >= 1L << 20
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0} KB");

    private static string Gb(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0} MB");
}
