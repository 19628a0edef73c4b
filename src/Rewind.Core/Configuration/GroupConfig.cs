namespace Rewind.Core.Configuration;

/// <summary>
/// A group of targets that ride one patch train, rolled out stage by stage (waves). Between two stages stands a
/// gate: every deployment of the stage verified, and the soak elapsed (the stage is checked again after it).
/// </summary>
public sealed record GroupConfig
{
    public required string Name { get; init; }

    /// <summary>The stages in rollout order, each a list of targets; a target appears in one stage of one group.</summary>
    public required IReadOnlyList<IReadOnlyList<string>> Stages { get; init; }

    /// <summary>How long a stage runs before the next one is exposed. Zero: no wait (the gate is the checks alone).</summary>
    public TimeSpan Soak { get; init; } = TimeSpan.Zero;

    /// <summary>How many targets of one stage are deployed (and rolled back) at a time, each with its own lock and journal.</summary>
    public int Parallel { get; init; } = 1;

    /// <summary>When the group's members accept deploys (a member's own window wins); null: any time.</summary>
    public Configuration.DeployWindow? Window { get; init; }

    /// <summary>Every member, in stage order.</summary>
    public IReadOnlyList<string> Members => Stages.SelectMany(s => s).ToList();

    /// <summary>The 1-based stage of a member, or 0 when it is not one.</summary>
    public int StageOf(string target)
    {
        for (var i = 0; i < Stages.Count; i++)
        {
            if (Stages[i].Contains(target, StringComparer.Ordinal))
            {
                return i + 1;
            }
        }

        return 0;
    }
}
