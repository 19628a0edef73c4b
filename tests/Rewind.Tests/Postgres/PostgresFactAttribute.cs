namespace Rewind.Tests.Postgres;

/// <summary>
/// A fact that needs a PostgreSQL server: skipped with the reason on a machine that has none (no server
/// binaries and no <c>REWIND_TEST_POSTGRES</c>), but never in CI, where a missing server fails the run.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!PostgresServerFixture.InCi && !ServerCanBeHad())
        {
            Skip = $"no PostgreSQL server: install PostgreSQL's server package or set {PostgresServerFixture.EnvironmentVariable}";
        }
    }

    private static bool ServerCanBeHad() =>
        Environment.GetEnvironmentVariable(PostgresServerFixture.EnvironmentVariable) is { Length: > 0 }
        || (Directory.Exists("/usr/lib/postgresql") && Directory.GetDirectories("/usr/lib/postgresql").Any(d => File.Exists(Path.Combine(d, "bin", "pg_ctl"))))
        || (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "pg_ctl")));
}
