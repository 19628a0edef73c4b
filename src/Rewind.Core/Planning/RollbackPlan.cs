using System.Globalization;
using System.Text;
using Rewind.Core.Configuration;

namespace Rewind.Core.Planning;

/// <summary>
/// The rollback plan for one bundle on one target, written before committing to the deploy: what it changes,
/// what a rollback restores and what it cannot, what triggers a rollback, how long one should take, and who
/// owns the decisions (seed 000: rollback constraints are planned before exposure).
/// </summary>
public sealed record RollbackPlan(
    string Target,
    string BundleId,
    string Digest,
    BundleDiff Diff,
    IReadOnlyList<(string Slot, string? From, string To)> Code,
    IReadOnlyList<BusinessTable> BusinessTables,
    IReadOnlyList<Configuration.CheckConfig> Checks,
    Configuration.HooksConfig Hooks,
    TimeSpan Estimate,
    TimeSpan Budget,
    IReadOnlyDictionary<string, string> Owners)
{
    /// <summary>When the target accepts deploys, in words (<see cref="Configuration.DeployWindow.Describe"/>); null: any time.</summary>
    public string? Window { get; init; }

    /// <summary>The target is on shared infrastructure (<c>shared: true</c>): only the automatic rollback of a failed deploy runs there.</summary>
    public bool Shared { get; init; }

    /// <summary>Records and rows a rollback moves per second, conservatively: a fraction of the measured bulk speeds.</summary>
    private const double RollbackEntriesPerSecond = 20_000;

    public static TimeSpan EstimateRollback(long entries, IReadOnlyList<Configuration.CheckConfig> checks, Configuration.HooksConfig hooks, int slots) =>
        TimeSpan.FromSeconds(entries / RollbackEntriesPerSecond)
        + (checks.Count == 0 ? TimeSpan.Zero : checks.Max(c => c.Timeout))
        + hooks.Timeout * (hooks.BeforeRollback.Count + hooks.AfterRollback.Count) / 4
        + TimeSpan.FromSeconds(5 * slots);

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        Line($"# Rollback plan: {BundleId} on {Target}");
        Line();
        Line($"Bundle digest `{Digest}`. Rollback is one question — roll back the last deployment, yes or no — taken newest first; a release goes back whole.");
        Line();
        Line("## What it changes");
        Line();
        Line($"- **Records**: {Diff.Added} added, {Diff.Changed} changed, {Diff.Deleted} deleted, {Diff.Unchanged} unchanged.");
        foreach (var group in Diff.Records.GroupBy(r => (r.Layer, r.Type)).OrderBy(g => g.Key.Layer, StringComparer.Ordinal).ThenBy(g => g.Key.Type, StringComparer.Ordinal))
        {
            Line($"  - {group.Key.Layer}/{group.Key.Type}: {string.Join(", ", group.GroupBy(r => r.Change).Select(c => $"{c.Count()} {c.Key}"))}");
        }

        Line($"- **Data copies**: {(Diff.DataCopies.Count == 0 ? "none" : string.Join("; ", Diff.DataCopies.Select(c => $"{c.Table} ({c.RowsNow} rows now, {c.RowsAfter} after)")))}.");
        if (Diff.Rows.Count > 0)
        {
            Line($"- **Row changes**: {string.Join("; ", Diff.Rows.GroupBy(r => r.Table).Select(g => $"{g.Key}: {string.Join(", ", g.GroupBy(r => r.Change).Select(c => $"{c.Count()} {c.Key}"))}"))}.");
        }

        var created = Diff.Tables.Where(t => t.Change == "create").Select(t => t.Table).ToList();
        Line($"- **New tables**: {(created.Count == 0 ? "none" : string.Join(", ", created))}.");
        var altered = Diff.Tables.Where(t => t.Change != "create").Select(t => $"{t.Table} ({t.Change})").ToList();
        if (altered.Count > 0)
        {
            Line($"- **Changed table definitions**: {string.Join(", ", altered)}.");
        }

        Line($"- **Code slots**: {(Code.Count == 0 ? "none (a metadata bundle)" : string.Join("; ", Code.Select(c => $"{c.Slot}: {c.From ?? "unknown"} → {c.To}")))}.");
        Line();
        Line("## What a rollback restores");
        Line();
        Line("- Every record above to its image before the deploy, byte for byte: changed ones back, deleted ones restored, added ones removed.");
        Line("- Every data copy to the rows the table held before the deploy; rows written since are saved first and reported.");
        if (Diff.Rows.Count > 0)
        {
            Line("- Every row change three-way: a value nobody changed since goes back; one the application changed is kept (or saved, then restored, under `liveEdits: restore`); a row deleted since is not re-inserted. Each kept or saved row is reported.");
        }
        Line(created.Count == 0 ? "- No table is created, so none is quarantined." : $"- New tables ({string.Join(", ", created)}) are quarantined: renamed `rw_quarantine_…` with every row and index, never dropped.");
        if (Code.Count > 0)
        {
            Line($"- Code slots back to {string.Join(", ", Code.Select(c => $"{c.Slot} {c.From ?? "(UNKNOWN — this release could not be rolled back)"}"))}.");
        }

        Line();
        Line("## What a rollback cannot restore");
        Line();
        Line(BusinessTables.Count == 0
            ? "- Business data written under the new definitions (no business tables are declared for this target: declare them so the rollback reports what changed there)."
            : $"- Business data written under the new definitions, in {string.Join(", ", BusinessTables.Select(b => b.Name))}: reported at rollback (rows changed while live), never reverted.");
        Line("- External systems: messages already sent, files exported, calls made, caches and search indexes filled.");
        Line("- Records people edit after the deploy are overwritten by the rollback; their edited images are saved as a bundle first.");
        if (Code.Any(c => c.From is null))
        {
            Line("- **The code of this release**: a slot's prior version is unknown, so the release cannot be rolled back at all.");
        }

        Line();
        Line("## What triggers a rollback");
        Line();
        if (Checks.Count == 0)
        {
            Line("- No checks are configured: the deployment counts as verified once applied, and a rollback is an operator's decision.");
        }

        foreach (var check in Checks)
        {
            Line($"- **{check.Name}**: {check.Expectation} within {check.Timeout.TotalSeconds:0.#}s. A failure rolls the deploy back automatically; a timeout stops for an operator.");
        }

        Line($"- Hooks around a rollback: before {List(Hooks.BeforeRollback)}; after {List(Hooks.AfterRollback)}.");
        if (Shared)
        {
            Line($"- **Shared target**: {Target} is on shared infrastructure (`shared: true`). A manual `rewind rollback` of it will be **refused** (exit 3): rolling it back alone would hold up every other tenant's train; use the platform team's shared procedure. The automatic rollback of a failed deploy still runs, and {Target} stays on its train (the bundle never landed).");
        }

        Line();
        Line("## When it can deploy");
        Line();
        Line(Window is null
            ? "- Any time: no deploy window is configured for this target or its group."
            : $"- Deploy window {Window}. Outside it a deploy is refused unless `--outside-window --reason R` (audited); a rollback is never held by a window.");
        Line();
        Line("## Estimated rollback time");
        Line();
        var within = Estimate <= Budget ? "within" : "**OVER**";
        Line($"About {Estimate.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s for {Diff.Added + Diff.Changed + Diff.Deleted} records, {Diff.DataCopies.Sum(c => c.RowsNow)} data-copy rows{(Diff.Rows.Count > 0 ? $", {Diff.Rows.Count} row changes" : "")}, checks and hooks — {within} the budget of {Budget.TotalMinutes:0.#} min. `rewind rehearse` measures it on a copy of the target.");
        Line();
        Line("## Owners");
        Line();
        foreach (var role in ConfigLoader.KnownOwners)
        {
            var title = role switch
            {
                "trigger" => "Who may trigger a rollback",
                "execute" => "Who executes it and validates the result",
                "integrations" => "Who owns integration behaviour during partial failures",
                _ => "Who owns customer communication",
            };
            Line($"- {title}: {(Owners.TryGetValue(role, out var who) && who.Length > 0 ? who : "not named (add owners: in rewind.yaml)")}");
        }

        foreach (var (role, who) in Owners.Where(o => !ConfigLoader.KnownOwners.Contains(o.Key)).OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            Line($"- {role}: {(who.Length > 0 ? who : "not named")}");
        }

        return md.ToString();
    }

    private static string List(IReadOnlyList<string> commands) => commands.Count == 0 ? "none" : string.Join(", ", commands.Select(c => $"`{c}`"));
}
