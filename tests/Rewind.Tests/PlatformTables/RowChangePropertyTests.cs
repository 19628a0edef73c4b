using CsCheck;
using Rewind.Core.Configuration;
using Rewind.Tests.Support;

namespace Rewind.Tests.PlatformTables;

/// <summary>
/// The three-way rollback of row changes as a property, on every engine: random platform tables (one or two key
/// columns, one to three value columns), random prior rows, random sequences of row-change bundles and random
/// application writes between them (to bundle-written columns, to other columns, new rows, deleted rows), rolled
/// back newest first under both <c>liveEdits</c> policies. After each rollback the table equals what
/// <see cref="RowChangeModel"/> computes from DESIGN.md's table, and the impact report lists exactly the rows the
/// model says were kept, saved or deleted since.
/// </summary>
public abstract class RowChangePropertyTests(StorageProvider provider)
{
    private static readonly string[] Keys = ["a", "b", "c", "d"];

    protected virtual int Iterations => Environment.GetEnvironmentVariable("REWIND_FULL") is null ? 25 : 200;

    [Fact]
    public async Task Rolling_back_row_changes_newest_first_follows_the_three_way_table_whatever_the_application_wrote()
    {
        var scenarios = Gen.Select(Gen.Bool, Gen.Int[1, 3], Gen.Bool, Gen.Int[0, int.MaxValue]);
        await scenarios.SampleAsync(async (composite, valueColumns, restore, seed) =>
        {
            var random = new Random(seed);
            var model = new RowChangeModel(composite, valueColumns);
            var policy = restore ? LiveEditPolicy.Restore : LiveEditPolicy.Keep;
            await using var h = await EngineHarness.CreateAsync(provider, t => t with { PlatformTables = [new PlatformTable("pt") { LiveEdits = policy }] });
            await h.ExecuteAsync(model.CreateTable);
            foreach (var key in RandomKeys(random, composite).Where(_ => random.Next(2) == 0))
            {
                await h.ExecuteAsync(model.Insert(key, RandomValues(random, model, all: true)));
            }

            var bundles = random.Next(1, 4);
            for (var b = 0; b < bundles; b++)
            {
                var changes = RandomKeys(random, composite).Where(_ => random.Next(3) > 0)
                    .Select(k => (k.K1, k.K2, Delete: random.Next(4) == 0, Set: RandomValues(random, model, all: false)))
                    .ToList();
                if (changes.Count == 0)
                {
                    continue;
                }

                var lines = model.Deploy(changes);
                var result = await h.DeployAsync(new BundleBuilder($"b{b}").Raw("rows/pt.ndjson", lines));
                Assert.True(result.Deployment.IsApplied, result.Deployment.Error);
                await ApplicationWritesAsync(h, model, random);
                Assert.Equal(model.CanonicalRows(), await RowsAsync(h));
            }

            while ((await h.Engine.HistoryAsync("env1")).Any(d => d.IsApplied))
            {
                var expected = model.RollBack(restore);
                var rollback = await h.RollbackAsync();
                Assert.True(rollback.Succeeded, rollback.State.Reason);
                Assert.Equal(model.CanonicalRows(), await RowsAsync(h));
                Assert.Equal(expected.Order(StringComparer.Ordinal), rollback.Deployment.Impact!.Rows.Select(r => $"{r.Key} {r.Action}").Order(StringComparer.Ordinal));
                await h.Engine.ClearAsync("env1", "tester", "next rollback");
            }
        }, iter: Iterations, threads: 1, seed: Environment.GetEnvironmentVariable("REWIND_SEED"));
    }

    private static IEnumerable<(string K1, long K2)> RandomKeys(Random random, bool composite) =>
        Keys.SelectMany(k => composite ? new[] { (k, 0L), (k, 1L) } : [(k, 0L)]).OrderBy(_ => random.Next()).ToList();

    private static Dictionary<string, object?> RandomValues(Random random, RowChangeModel model, bool all) =>
        model.ValueColumns.Where(_ => all || random.Next(2) == 0).ToDictionary(c => c, c => RandomValue(random, c));

    private static object? RandomValue(Random random, string column) => random.Next(5) switch
    {
        0 => null,
        _ when column == "c2" => (long)random.Next(0, 4),
        var n => $"v{n}{random.Next(3)}",
    };

    private static async Task ApplicationWritesAsync(EngineHarness h, RowChangeModel model, Random random)
    {
        for (var i = random.Next(0, 4); i > 0; i--)
        {
            var key = RandomKeys(random, model.Composite).First();
            var column = model.ValueColumns[random.Next(model.ValueColumns.Count)];
            var sql = random.Next(3) switch
            {
                0 when model.Exists(key) => model.Update(key, column, RandomValue(random, column)),
                1 when !model.Exists(key) => model.Insert(key, RandomValues(random, model, all: true)),
                2 when model.Exists(key) => model.Delete(key),
                _ => null,
            };
            if (sql is not null)
            {
                await h.ExecuteAsync(sql);
            }
        }
    }

    private static async Task<List<string>> RowsAsync(EngineHarness h) =>
        (await h.SnapshotAsync()).Tables["pt"].Where(r => !r.StartsWith('#')).ToList();
}

public sealed class SqliteRowChangePropertyTests() : RowChangePropertyTests(new SqliteProvider());
