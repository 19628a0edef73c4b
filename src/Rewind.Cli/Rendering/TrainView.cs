using Rewind.Core.Train;
using Spectre.Console;
using Rewind.Core.Ledger;

namespace Rewind.Cli.Rendering;

/// <summary>How groups and their train look: the group rollout, the matrix, alignment and the realignment plan.</summary>
internal static class TrainView
{
    public static object ToJson(GroupDeployResult r) => new
    {
        group = r.Group,
        bundle = r.BundleId,
        digest = r.BundleDigest,
        status = r.Succeeded ? "completed" : "stopped",
        stoppedAtStage = r.StoppedAtStage,
        stopReason = r.StopReason,
        trainPosition = r.TrainPosition,
        soakSkipped = r.SoakSkipped,
        majorityFingerprint = r.MajorityFingerprint,
        stages = r.Stages.Select(s => new
        {
            stage = s.Stage,
            gate = s.Gate,
            deployed = s.Deployed.Select(d => new
            {
                deployment = d.Deployment.Id,
                target = d.Deployment.Target,
                status = d.Deployment.Status.ToName(),
                verification = d.Verification.Outcome.ToString().ToLowerInvariant(),
                inverse = d.Deployment.InverseDigest,
                priorFingerprint = d.Deployment.PriorFingerprint,
                alreadyApplied = d.AlreadyApplied,
                automaticRollback = d.AutomaticRollback is not null,
            }),
            skipped = s.Skipped.Select(k => new { target = k.Target, state = k.State, reason = k.Reason, deployment = k.Deployment }),
            rolledBack = s.RolledBack.Select(b => new { deployment = b.Deployment.Id, target = b.Deployment.Target, status = b.Deployment.Status.ToName(), state = b.State.StateName }),
            failures = s.Failures.Select(f => new { target = f.Target, error = f.Error, code = f.ExitCode }),
        }),
        skipped = r.Stages.SelectMany(s => s.Skipped).Select(k => new { target = k.Target, state = k.State, reason = k.Reason }),
        diverged = r.Diverged.Select(d => new { target = d.Target, deployment = d.Deployment, fingerprint = d.Fingerprint, inverse = d.InverseDigest }),
    };

    public static void Write(GroupDeployResult r)
    {
        Output.Line(r.Succeeded
            ? $"[green]Rolled out[/] [bold]{Output.Esc(r.BundleId)}[/] to group [bold]{Output.Esc(r.Group)}[/]{(r.TrainPosition is { } p ? $" (train position {p})" : "")}."
            : $"[red]Rollout of {Output.Esc(r.BundleId)} to group {Output.Esc(r.Group)} stopped at stage {r.StoppedAtStage}[/]: {Output.Esc(r.StopReason)}");
        foreach (var stage in r.Stages)
        {
            Output.Line($"  stage {stage.Stage}: {Output.Esc(stage.Gate)}");
            foreach (var d in stage.Deployed)
            {
                Output.Line($"    {Output.Esc(d.Deployment.Target)}: {d.Deployment.Id} {d.Deployment.Status.ToName()}{(d.AlreadyApplied ? " (already applied)" : "")}, inverse {Output.Esc(Fingerprint.Short(d.Deployment.InverseDigest))}");
            }

            foreach (var b in stage.RolledBack)
            {
                Output.Line($"    [yellow]{Output.Esc(b.Deployment.Target)}: {b.Deployment.Id} rolled back with its stage; {b.State.StateName}[/]");
            }

            foreach (var s in stage.Skipped)
            {
                Output.Line($"    [yellow]{Output.Esc(s.Target)}: skipped{(s.State is "diverged" ? ", diverged" : "")}[/] ({Output.Esc(s.Reason)})");
            }

            foreach (var f in stage.Failures)
            {
                Output.Line($"    [red]{Output.Esc(f.Target)}[/]: {Output.Esc(f.Error)}");
            }
        }

        foreach (var d in r.Diverged)
        {
            Output.Line($"  [yellow]diverged[/]: {Output.Esc(d.Target)} differed from the group before {Output.Esc(r.BundleId)} (fingerprint {Output.Esc(Fingerprint.Short(d.Fingerprint))}, majority {Output.Esc(Fingerprint.Short(r.MajorityFingerprint))}); it has its own inverse {Output.Esc(Fingerprint.Short(d.InverseDigest))}");
        }

        if (r.SoakSkipped)
        {
            Output.Line("  [yellow]soak skipped (--skip-soak); recorded in the audit[/]");
        }
    }

    public static void Write(TrainMatrix m)
    {
        if (m.Head == 0)
        {
            Output.Line($"Group [bold]{Output.Esc(m.Group)}[/]: the train is empty (no bundle has passed a stage gate yet).");
        }

        var table = new Table().AddColumn("target").AddColumn("stage").AddColumn("state").AddColumn("position");
        foreach (var b in m.Bundles)
        {
            table.AddColumn(Output.Esc($"{b.Position}. {b.BundleId}"));
        }

        foreach (var t in m.Targets)
        {
            var cells = new List<string>
            {
                Output.Esc(t.Target),
                t.Stage.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"[{StateColour(t.State)}]{t.State.StateName}[/]",
                $"{t.Position}/{m.Head}",
            };
            cells.AddRange(t.Cells.Select(c => $"[{CellColour(c.State)}]{c.State.ToName()}[/]"));
            table.AddRow(cells.ToArray());
        }

        Terminal.Write(table);
    }

    public static object ToJson(GroupStatus s) => new
    {
        group = s.Group,
        head = s.Head,
        reference = s.Reference,
        referenceFingerprint = s.ReferenceFingerprint,
        targets = s.Targets.Select(t => new
        {
            name = t.Target,
            stage = t.Stage,
            state = t.State.StateName,
            position = t.Position,
            fingerprint = t.Fingerprint,
            aligned = t.Aligned,
        }),
    };

    public static void Write(GroupStatus s)
    {
        Output.Line($"Group [bold]{Output.Esc(s.Group)}[/]: train head at position {s.Head}; reference {Output.Esc(s.Reference ?? "(the most common state)")}.");
        var table = new Table().AddColumns("target", "stage", "state", "position", "fingerprint", "aligned");
        foreach (var t in s.Targets)
        {
            table.AddRow(
                Output.Esc(t.Target),
                t.Stage.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"[{StateColour(t.State)}]{t.State.StateName}[/]",
                $"{t.Position}/{s.Head}",
                Output.Esc(Fingerprint.Short(t.Fingerprint)),
                t.Aligned ? "[green]aligned[/]" : "[red]diverged[/]");
        }

        Terminal.Write(table);
    }

    public static object ToJson(RealignPlan p) => new
    {
        target = p.Target,
        group = p.Group,
        state = p.State.StateName,
        position = p.Position,
        head = p.Head,
        steps = p.Steps.Select(StepJson),
    };

    public static object StepJson(RealignStep s) => new
    {
        position = s.Position,
        bundle = s.BundleId,
        digest = s.BundleDigest,
        cell = s.Cell.ToName(),
        recordedPrior = s.RecordedPrior,
        current = s.Current,
        match = s.Match.ToName(),
    };

    public static void Write(RealignPlan p)
    {
        if (p.Steps.Count == 0)
        {
            Output.Line($"{Output.Esc(p.Target)} is at the head of group {Output.Esc(p.Group)}'s train (position {p.Position} of {p.Head}): nothing to realign.");
            return;
        }

        Output.Line($"{Output.Esc(p.Target)} ({p.State.StateName}) is at position {p.Position} of {p.Head} on group {Output.Esc(p.Group)}'s train. Missed, in train order:");
        var table = new Table().AddColumns("position", "bundle", "on the target", "prior state");
        foreach (var s in p.Steps)
        {
            var match = s.Match switch
            {
                PriorMatch.Matches => "[green]matches[/]",
                PriorMatch.Differs => "[red]differs[/]",
                PriorMatch.AfterEarlierSteps => "[yellow]after earlier steps[/]",
                _ => "unknown",
            };
            table.AddRow(s.Position.ToString(System.Globalization.CultureInfo.InvariantCulture), Output.Esc(s.BundleId), s.Cell.ToName(), match);
        }

        Terminal.Write(table);
    }

    private static string StateColour(TargetState state) => state.State switch
    {
        TrainState.OnTrain => "green",
        TrainState.OffTrain or TrainState.Diverged => "yellow",
        _ => "red",
    };

    private static string CellColour(TrainCellState state) => state switch
    {
        TrainCellState.Verified => "green",
        TrainCellState.Applied => "blue",
        TrainCellState.RolledBack => "yellow",
        TrainCellState.Skipped => "grey",
        TrainCellState.Failed => "red",
        _ => "dim",
    };
}
