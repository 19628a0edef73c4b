using Microsoft.Extensions.Time.Testing;
using Rewind.Core.Verification;
using Rewind.Tests.Support;
using Rewind.Core.Configuration;
using Rewind.Core.Engine;

namespace Rewind.Tests.Verification;

/// <summary>
/// How long a check or a hook took is read from the engine's TimeProvider, never from a stopwatch: on a clock that
/// moves one second per reading, a command that really takes 0.2 s is reported as exactly one second.
/// </summary>
public sealed class MeasuredOnTheClockTests
{
    /// <summary>Every timestamp read moves the clock one second on.</summary>
    private sealed class SteppingClock : FakeTimeProvider
    {
        public override long GetTimestamp()
        {
            Advance(TimeSpan.FromSeconds(1));
            return base.GetTimestamp();
        }
    }

    [Fact]
    public async Task A_checks_duration_is_measured_on_the_verifiers_clock()
    {
        using var folder = new TestFolder();
        using var http = new HttpClient();
        var checks = new[] { new CommandCheck { Name = "slow", Command = "sleep 0.2" } };

        var result = await new Verifier(http, folder.Path, new SteppingClock()).VerifyAsync(checks, null!, new Dictionary<string, string>(), CancellationToken.None);

        var check = Assert.Single(result.Checks);
        Assert.Equal(CheckOutcome.Passed, check.Outcome);
        Assert.Equal(1.0, check.Seconds);
    }

    [Fact]
    public async Task A_hooks_and_a_checks_durations_in_the_ledger_come_from_the_engines_clock()
    {
        await using var h = await EngineHarness.CreateAsync(new SqliteProvider(),
            t => t with { Hooks = new HooksConfig { BeforeDeploy = ["sleep 0.2"] }, Checks = [new CommandCheck { Name = "slow", Command = "sleep 0.2" }] },
            c => c, new SteppingClock());

        var deployed = (await h.DeployAsync(new BundleBuilder("one").Upsert("platform", "rule", "a", "1"))).Deployment;

        Assert.Equal([("beforeDeploy", 1.0)], deployed.Hooks.Select(r => (r.Hook, r.Seconds)));
        Assert.Equal([("slow", 1.0)], deployed.Checks.Select(c => (c.Name, c.Seconds)));
    }
}
