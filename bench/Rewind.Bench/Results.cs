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

/// <summary>One row of the main table: one engine, one bundle size.</summary>
internal sealed record SizeResult(
    string Engine, int Records, int CopyRows, long BundleBytes, Timing Baseline, Timing Deploy, Timing Rollback, long? PeakMemoryBytes, double? ChildDeploySeconds, double? ChildRollbackSeconds)
{
    public double DeployRatio => Deploy.Median / Baseline.Median;

    public double RollbackRatio => Rollback.Median / Baseline.Median;

    /// <summary>The median of each repetition's own ratio: measures taken side by side share the machine's mood, so on a noisy machine this is the steadier figure.</summary>
    public double PairedDeployRatio => new Timing(Deploy.Seconds.Zip(Baseline.Seconds, (d, b) => d / b).ToList()).Median;

    public double PairedRollbackRatio => new Timing(Rollback.Seconds.Zip(Baseline.Seconds, (r, b) => r / b).ToList()).Median;
}

/// <summary>The rollback of a small deployment beside a large business table, against restoring a whole-database backup.</summary>
internal sealed record BusinessResult(string Engine, long BusinessRows, int Records, long DatabaseBytes, double BackupSeconds, BusinessRow Cached, BusinessRow? Cold);

/// <summary>
/// One way of reading the saved state (<c>page cache</c>: just written; <c>cold</c>: evicted, read from disk): the
/// engine's plain upsert of the same records, Rewind's rollback, and the backup restore.
/// </summary>
internal sealed record BusinessRow(string SavedState, Timing Baseline, Timing Rollback, Timing Restore)
{
    public double Speedup => Restore.Median / Rollback.Median;

    /// <summary>The most any rollback could reach: one that cost no more than writing its rows.</summary>
    public double Ceiling => Restore.Median / Baseline.Median;
}

/// <summary>The timings of one business row while they are being collected.</summary>
internal sealed class BusinessMeasures
{
    public List<double> Baseline { get; } = [];

    public List<double> Rollback { get; } = [];

    public List<double> Restore { get; } = [];

    public BusinessRow ToRow(string savedState) => new(savedState, new Timing(Baseline), new Timing(Rollback), new Timing(Restore));
}

internal sealed record MachineInfo(string Cpu, int Cores, long MemoryBytes, string Os, string Runtime, IReadOnlyDictionary<string, string> Engines);

internal sealed record BenchReport(DateTimeOffset At, MachineInfo Machine, BenchOptions Options, IReadOnlyList<SizeResult> Sizes, IReadOnlyList<BusinessResult> Business, IReadOnlyList<PlatformRowsResult> PlatformRows, IReadOnlyList<RehearseResult> Rehearsals)
{
    public FleetResult? Fleet { get; init; }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine.Cpu}, {Machine.Cores} cores, {Gb(Machine.MemoryBytes)} RAM; {Machine.Os}; {Machine.Runtime}.");
        foreach (var (engine, description) in Machine.Engines)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{engine}: {description}.");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"Median of {Options.Repeat} interleaved repetitions; times in seconds; ratios of the medians (in brackets: the median of each repetition's own ratio).");
        text.AppendLine();
        text.AppendLine("| engine | N | baseline | deploy | rollback | deploy/baseline | rollback/baseline | peak memory |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in Sizes)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Engine} | {r.Records:N0} | {r.Baseline.Median:0.000} | {r.Deploy.Median:0.000} | {r.Rollback.Median:0.000} | {r.DeployRatio:0.00} ({r.PairedDeployRatio:0.00}) | {r.RollbackRatio:0.00} ({r.PairedRollbackRatio:0.00}) | {(r.PeakMemoryBytes is { } m ? $"{m / (1024.0 * 1024):0} MB" : "–")} |");
        }

        if (Business.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| engine | business rows | database size | records rolled back | saved state | baseline | rollback | backup restore | restore/rollback | restore/baseline |");
            text.AppendLine("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var b in Business)
            {
                foreach (var row in new[] { b.Cached, b.Cold }.OfType<BusinessRow>())
                {
                    text.AppendLine(CultureInfo.InvariantCulture,
                        $"| {b.Engine} | {b.BusinessRows:N0} | {Gb(b.DatabaseBytes)} | {b.Records:N0} | {row.SavedState} | {row.Baseline.Median:0.000} | {row.Rollback.Median:0.000} | {row.Restore.Median:0.000} | {Times(row.Speedup)} | {Times(row.Ceiling)} |");
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

        text.Append(Fleet?.ToMarkdown());
        return text.ToString();
    }

    private static string Times(double ratio) => ratio < 10
        ? string.Create(CultureInfo.InvariantCulture, $"{ratio:0.0}×")
        : string.Create(CultureInfo.InvariantCulture, $"{ratio:0}×");

    private static string Gb(long bytes) => bytes >= 1L << 30
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0} MB");
}
