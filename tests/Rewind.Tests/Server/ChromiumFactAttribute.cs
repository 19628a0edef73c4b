using Rewind.Tests.Postgres;

namespace Rewind.Tests.Server;

/// <summary>
/// A fact that drives Debian's headless Chromium through its chromedriver: skipped with the reason on a machine
/// without them, never in CI (<c>CI=true</c>), where <c>scripts/test</c> installs them and a missing one fails the run.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Browser = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";

    public ChromiumFactAttribute()
    {
        if (!PostgresServerFixture.InCi && !(File.Exists(Browser) && File.Exists(Driver)))
        {
            Skip = $"no {Browser} or {Driver}: apt-get install chromium chromium-driver (scripts/test does)";
        }
    }
}
