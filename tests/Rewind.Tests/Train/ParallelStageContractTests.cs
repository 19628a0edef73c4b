using Rewind.Tests.Support;
using static Rewind.Tests.Support.GroupEngine;
using Rewind.Core.Configuration;

namespace Rewind.Tests.Train;

/// <summary>
/// <c>groups.G.parallel</c> on every engine: a failure in one target stops the stage as it does one at a time —
/// the targets in flight finish (and are rolled back with the stage), no new one starts.
/// </summary>
public abstract class ParallelStageContractTests(StorageProvider provider)
{
    [Fact]
    public async Task A_failing_target_in_a_parallel_stage_lets_those_in_flight_finish_starts_no_new_one_and_rolls_the_stage_back()
    {
        string[] stage = ["env1", "env2", "env3", "env4", "env5", "env6"];
        var (h, engine) = await CreateAsync(provider, [stage], parallel: 3, checks: t => t == "env2"
            ? [new CommandCheck { Name = "broken", Command = "exit 1" }]
            : [new CommandCheck { Name = "slow", Command = "sleep 2" }]);
        await using var _ = h;

        var rollout = await RollOutAsync(h, engine, Patch(1));

        Assert.Equal(1, rollout.StoppedAtStage);
        Assert.Equal(["env1", "env2", "env3"], rollout.Stages[0].Deployed.Select(d => d.Deployment.Target));
        Assert.NotNull(rollout.Stages[0].Deployed[1].AutomaticRollback);
        Assert.Equal(["env1", "env3"], rollout.Stages[0].RolledBack.Select(r => r.Deployment.Target).Order());
        foreach (var untouched in new[] { "env4", "env5", "env6" })
        {
            Assert.Empty(await engine.HistoryAsync(untouched));
        }
    }
}

public sealed class SqliteParallelStageContractTests() : ParallelStageContractTests(new SqliteProvider());
