using System.Globalization;

namespace Rewind.Bench;

/// <summary>The command line: <c>--engine sqlite|postgres[,…] --sizes 10000,100000,1000000 [--bodies small,realistic] [--business-rows 10000000] [--repeat 3] [--out bench-results.json]</c>.</summary>
internal sealed record BenchOptions
{
    public IReadOnlyList<string> Engines { get; init; } = ["sqlite"];

    public IReadOnlyList<int> Sizes { get; init; } = [10_000, 100_000, 1_000_000];

    /// <summary>The body-size workloads each size is measured with (about 350 and about 700 bytes).</summary>
    public IReadOnlyList<BodySize> Bodies { get; init; } = [BodySize.Small, BodySize.Realistic];

    public long BusinessRows { get; init; } = 10_000_000;

    /// <summary>Records of the deployment rolled back beside the business table.</summary>
    public int BusinessRecords { get; init; } = 10_000;

    public int Repeat { get; init; } = 3;

    /// <summary>Rows of the platform table a few row changes are measured against (0: not measured).</summary>
    public long PlatformRows { get; init; } = 1_000_000;

    /// <summary>Row changes deployed against it.</summary>
    public int RowChanges { get; init; } = 10;

    /// <summary>Business rows beside the target a rehearsal is measured on (0: not measured).</summary>
    public long RehearseRows { get; init; } = 1_000_000;

    public string Out { get; init; } = "bench-results.json";

    public string? Postgres { get; init; } = Environment.GetEnvironmentVariable("REWIND_BENCH_POSTGRES") is { Length: > 0 } s ? s : null;

    public string Work { get; init; } = Path.Combine(Path.GetTempPath(), "rewind-bench");

    /// <summary>Targets of the fleet run (a group rollout and rollback, one at a time and in parallel; 0: not run).</summary>
    public int Fleet { get; init; }

    /// <summary>PostgreSQL databases of the fleet run on the harness's server (0: not run).</summary>
    public int FleetPostgres { get; init; }

    public int FleetParallel { get; init; } = 4;

    /// <summary>Seconds each fleet target's check takes (a health probe).</summary>
    public double FleetCheck { get; init; } = 0.5;

    /// <summary>Measure peak memory in a child process for every size (default) or not at all.</summary>
    public bool Memory { get; init; } = true;

    public const string Usage = """
        usage: Rewind.Bench --engine sqlite|postgres[,...] [--sizes 10000,100000,1000000] [--bodies small,realistic] [--business-rows 10000000]
                            [--business-records 10000] [--platform-rows 1000000] [--row-changes 10] [--rehearse-rows 1000000] [--repeat 3] [--out bench-results.json] [--postgres CONNSTRING]
                            [--work DIR] [--no-memory] [--fleet 100] [--fleet-pg 20 (needs --engine postgres)] [--fleet-parallel 4] [--fleet-check 0.5]
               Rewind.Bench --make N [--work DIR]   (bundle make between two N-record SQLite targets: time and peak memory)
        PostgreSQL: without --postgres (or REWIND_BENCH_POSTGRES) a throwaway server is started with initdb/pg_ctl.
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--engine" => options with { Engines = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--sizes" => options with { Sizes = Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture)).ToList() },
                "--bodies" => options with { Bodies = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseBodies).ToList() },
                "--business-rows" => options with { BusinessRows = long.Parse(Value(), CultureInfo.InvariantCulture) },
                "--business-records" => options with { BusinessRecords = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--platform-rows" => options with { PlatformRows = long.Parse(Value(), CultureInfo.InvariantCulture) },
                "--row-changes" => options with { RowChanges = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--rehearse-rows" => options with { RehearseRows = long.Parse(Value(), CultureInfo.InvariantCulture) },
                "--repeat" => options with { Repeat = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--out" => options with { Out = Value() },
                "--postgres" => options with { Postgres = Value() },
                "--work" => options with { Work = Value() },
                "--no-memory" => options with { Memory = false },
                "--fleet" => options with { Fleet = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--fleet-pg" => options with { FleetPostgres = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--fleet-parallel" => options with { FleetParallel = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--fleet-check" => options with { FleetCheck = double.Parse(Value(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        // Absolute: pg_dump and pg_restore run in another working directory.
        options = options with { Work = Path.GetFullPath(options.Work) };
        if (options.Engines.Any(e => e is not ("sqlite" or "postgres")))
        {
            throw new ArgumentException("--engine takes sqlite, postgres or both (sqlite,postgres)");
        }

        if (options.Repeat < 1 || options.Sizes.Count == 0 || options.Sizes.Any(s => s < 20))
        {
            throw new ArgumentException("--repeat must be at least 1 and every size at least 20");
        }

        if (options.FleetPostgres > 0 && !options.Engines.Contains("postgres"))
        {
            throw new ArgumentException("--fleet-pg runs on the harness's PostgreSQL server: add postgres to --engine");
        }

        if (options.Bodies.Count == 0)
        {
            throw new ArgumentException("--bodies takes small, realistic or both (small,realistic)");
        }

        return options;
    }

    private static BodySize ParseBodies(string value) => value switch
    {
        "small" => BodySize.Small,
        "realistic" => BodySize.Realistic,
        _ => throw new ArgumentException($"--bodies takes small, realistic or both, not {value}"),
    };
}
