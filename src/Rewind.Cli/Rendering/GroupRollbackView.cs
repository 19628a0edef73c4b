using Rewind.Core.Train;

namespace Rewind.Cli.Rendering;

/// <summary>How a whole-group rollback looks: its plan (the one question asked) and each member's outcome.</summary>
internal static class GroupRollbackView
{
    public static object ToJson(GroupRollbackResult r) => new
    {
        group = r.Group,
        bundle = r.BundleId,
        digest = r.BundleDigest,
        status = r.Succeeded ? "rolled-back" : "failed",
        trainHead = new { from = r.FromHead, to = r.ToHead },
        members = r.Members.Select(m => new
        {
            target = m.Target,
            stage = m.Stage,
            outcome = m.Outcome,
            deployment = m.Deployment,
            state = m.Result?.State.StateName,
            seconds = m.Result?.Deployment.RollbackDuration?.TotalSeconds,
            overBudget = m.Result?.Deployment.RollbackOverBudget,
            verification = m.Result?.Verification.Outcome.ToString().ToLowerInvariant(),
            detail = m.Detail,
            code = m.ExitCode,
        }),
        diverged = r.Diverged,
    };

    public static object ToJson(GroupRollbackPlan p) => new
    {
        group = p.Group,
        bundle = p.Head.BundleId,
        trainPosition = p.Head.Position,
        runnable = p.Refused.Count == 0,
        members = p.Members.Select(m => new { target = m.Target, stage = m.Stage, plan = Name(m.Kind), deployment = m.Deployment?.Id, why = m.Why, rule = m.Rule }),
    };

    public static void Write(GroupRollbackPlan p)
    {
        Output.Line($"Roll back [bold]{Output.Esc(p.Head.BundleId)}[/] (train position {p.Head.Position}) on group [bold]{Output.Esc(p.Group)}[/], last stage first, each its own rollback with its own checks:");
        foreach (var m in p.StagesLastFirst.SelectMany(s => s))
        {
            Output.Line($"  stage {m.Stage}  {Output.Esc(m.Target)}  {m.Deployment!.Id}  deployed {Output.When(m.Deployment.StartedAt)} by {Output.Esc(m.Deployment.Who)}");
        }

        foreach (var m in p.Members.Where(m => m.Kind is not MemberRollbackKind.RollBack))
        {
            Output.Line($"  [{(m.Kind == MemberRollbackKind.Refused ? "red" : "yellow")}]{Name(m.Kind)}[/]  {Output.Esc(m.Target)}: {Output.Esc(m.Why)}");
        }

        Output.Line("  Members stay on the train; the bundle leaves the train head. Business data is not rolled back.");
    }

    public static void Write(GroupRollbackResult r)
    {
        Output.Line(r.Succeeded
            ? $"[green]Rolled back[/] [bold]{Output.Esc(r.BundleId)}[/] on group [bold]{Output.Esc(r.Group)}[/]; the train head moved back from position {r.FromHead} to {r.ToHead}."
            : $"[red]Group {Output.Esc(r.Group)}'s rollback of {Output.Esc(r.BundleId)} did not complete on every member[/]; the train head moved back from position {r.FromHead} to {r.ToHead}.");
        foreach (var m in r.Members)
        {
            var colour = m.Outcome switch { "rolled-back" => "green", "frozen" or "failed" => "red", _ => "yellow" };
            var how = m.Result is { } res ? $" in {res.Deployment.RollbackDuration?.TotalSeconds:0.00}s{(res.Deployment.RollbackOverBudget ? " (over budget)" : "")}, {res.State.StateName}" : "";
            Output.Line($"  stage {m.Stage}  {Output.Esc(m.Target)}  [{colour}]{m.Outcome}[/]{(m.Deployment is null ? "" : $" {m.Deployment}")}{how}{(m.Detail is null ? "" : $": {Output.Esc(m.Detail)}")}");
        }

        foreach (var d in r.Diverged)
        {
            Output.Line($"  [yellow]{Output.Esc(d)} still runs {Output.Esc(r.BundleId)}: diverged[/] (group rollouts pass it by until realigned and cleared)");
        }
    }

    private static string Name(MemberRollbackKind kind) => kind switch
    {
        MemberRollbackKind.RollBack => "roll-back",
        MemberRollbackKind.NotRunning => "not-running",
        MemberRollbackKind.LeftOut => "left-out",
        _ => "refused",
    };
}
