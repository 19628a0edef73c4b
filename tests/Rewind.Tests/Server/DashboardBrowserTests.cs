using System.Diagnostics;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Rewind.Sqlite;
using Rewind.Tests.Support;

namespace Rewind.Tests.Server;

/// <summary>The dashboard in headless Chromium, driven as an operator would use it at 3 AM.</summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private readonly TestFolder _folder = new();
    private ServerProcess _server = null!;
    private string _operator = "";
    private string _deployer = "";
    private string _admin = "";

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_folder.Combine("rewind.yaml"), """
            store: sqlite:rewind.db
            targets:
              checkout-eu:
                database: sqlite:checkout-eu.db
              checkout-us:
                database: sqlite:checkout-us.db
            """);
        var store = new SqliteTokenStore(_folder.Combine("rewind.db"));
        _operator = await ServerProcess.CreateTokenAsync(store, "alice", "operator");
        _deployer = await ServerProcess.CreateTokenAsync(store, "release-pipeline", "deployer");
        _admin = await ServerProcess.CreateTokenAsync(store, "ada", "admin");
        _server = await ServerProcess.StartAsync(_folder.Path);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    [ChromiumFact]
    public async Task An_operator_pastes_a_token_sees_the_state_confirms_a_rollback_with_a_reason_and_sees_the_target_go_off_train()
    {
        foreach (var (target, bundles) in new[] { ("checkout-eu", new[] { "2026.11.2-platform", "2026.11.3-platform" }), ("checkout-us", new[] { "2026.11.2-platform" }) })
        {
            foreach (var bundle in bundles)
            {
                var zip = new BundleBuilder(bundle).Upsert("platform", "workflow", "checkout", $"{{\"version\":\"{bundle}\"}}").Upsert("apps", "rule", "discount", "10")
                    .WriteZip(_folder.Combine($"{target}-{bundle}.zip"));
                using var response = await _server.PostZipAsync($"/api/targets/{target}/deployments?reason=weekly%20train", _deployer, zip);
                await ServerProcess.JsonOf(response, expected: 200);
            }
        }

        using var driver = StartChromium();
        driver.Navigate().GoToUrl(_server.Url + "/");

        // Paste the token once; the page keeps it in localStorage.
        driver.FindElement(By.Id("token-input")).SendKeys(_operator);
        driver.FindElement(By.Id("save-token")).Click();
        Until(driver, () => StateOf(driver, "checkout-eu") == "on-train", "checkout-eu shown on-train");
        Assert.Equal("alice (operator)", driver.FindElement(By.Id("who")).Text);
        Assert.Contains("2026.11.3-platform", Row(driver, "checkout-eu").Text, StringComparison.Ordinal);

        // The button first shows exactly what would be rolled back, and asks for a reason and a yes.
        Row(driver, "checkout-eu").FindElement(By.CssSelector("button[data-action=rollback]")).Click();
        Until(driver, () => driver.FindElement(By.Id("rollback-what")).Text.Length > 0, "the rollback preview");
        var preview = driver.FindElement(By.Id("rollback-preview")).Text;
        Assert.Contains("2026.11.3-platform", preview, StringComparison.Ordinal);
        Assert.Contains("release-pipeline (weekly train)", preview, StringComparison.Ordinal);
        Assert.Contains("2 records, 0 data-copy rows", preview, StringComparison.Ordinal);
        Assert.Contains("2026.11.2-platform", preview, StringComparison.Ordinal);
        Assert.Matches(@"records: \d+ restored, \d+ re-created, \d+ removed", preview);   // the dry run's plan
        var confirm = driver.FindElement(By.Id("rollback-confirm"));
        Assert.False(confirm.Enabled, "the rollback button is enabled before a reason and a yes");
        driver.FindElement(By.Id("rollback-reason")).SendKeys("INC-4711: checkout totals wrong since 02:50");
        Assert.False(confirm.Enabled, "the rollback button is enabled before the yes");
        driver.FindElement(By.Id("rollback-yes")).Click();
        Assert.True(confirm.Enabled);
        Screenshot(driver, "dashboard-confirm.png");
        confirm.Click();

        Until(driver, () => driver.FindElement(By.Id("rollback-status")).Text.StartsWith("Rolled back", StringComparison.Ordinal), "the rollback to finish");
        Assert.Contains("checkout-eu is now off-train", driver.FindElement(By.Id("rollback-status")).Text, StringComparison.Ordinal);
        Assert.Contains("apply inverse metadata: done", driver.FindElement(By.Id("rollback-journal")).Text, StringComparison.Ordinal);
        driver.FindElement(By.Id("rollback-close")).Click();

        Until(driver, () => StateOf(driver, "checkout-eu") == "off-train", "checkout-eu shown off-train");
        Assert.Equal("on-train", StateOf(driver, "checkout-us"));
        Until(driver, () => driver.FindElements(By.CssSelector("#audit tbody tr[data-outcome=succeeded]")).Any(r => r.Text.Contains("alice rollback checkout-eu", StringComparison.Ordinal)), "the rollback in the audit log");
        Row(driver, "checkout-eu").FindElement(By.CssSelector("button[data-action=history]")).Click();
        Until(driver, () => driver.FindElements(By.CssSelector("#history tbody tr")).Count == 2, "the history of checkout-eu");
        Assert.Contains("by alice", driver.FindElement(By.CssSelector("#history tbody tr")).Text, StringComparison.Ordinal);
        Until(driver, () => driver.FindElements(By.CssSelector("#rollbacks svg rect.bar")).Count == 1, "the rollback in the chart");
        Assert.Contains("1 rollback, 0 over the 300 s budget", driver.FindElement(By.Id("rollbacks")).Text, StringComparison.Ordinal);
        Screenshot(driver, "dashboard.png");

        // The API agrees with what the page shows.
        var api = await _server.GetJsonAsync("/api/targets/checkout-eu", _operator);
        Assert.Equal("off-train", api.GetProperty("state").GetString());
    }

    [ChromiumFact]
    public async Task An_admin_sees_a_hung_operation_breaks_its_lock_with_a_reason_and_the_target_is_free()
    {
        // The hung holder: a live process on this host, holding checkout-eu's lock well within its lease.
        using var hung = await HungLockHolder.TakeAsync(_folder.Combine("rewind.db"), "checkout-eu", "release-pipeline");
        using var driver = StartChromium();
        driver.Navigate().GoToUrl(_server.Url + "/");
        driver.FindElement(By.Id("token-input")).SendKeys(_admin);
        driver.FindElement(By.Id("save-token")).Click();
        Until(driver, () => Row(driver, "checkout-eu").Text.Contains("busy: deploy by release-pipeline", StringComparison.Ordinal), "checkout-eu shown busy");
        Assert.Empty(Row(driver, "checkout-us").FindElements(By.CssSelector("button[data-action=unlock]")));

        // The question names the holder and says its process is still to be stopped; the answer goes into the audit.
        Row(driver, "checkout-eu").FindElement(By.CssSelector("button[data-action=unlock]")).Click();
        var question = driver.SwitchTo().Alert();
        Assert.Contains($"process {hung.ProcessId}", question.Text, StringComparison.Ordinal);
        question.SendKeys("deploy stuck in its hook since 02:40");
        question.Accept();

        Until(driver, () => !Row(driver, "checkout-eu").Text.Contains("busy", StringComparison.Ordinal), "checkout-eu no longer busy");
        Assert.Empty(Row(driver, "checkout-eu").FindElements(By.CssSelector("button[data-action=unlock]")));
        Until(driver, () => driver.FindElements(By.CssSelector("#audit tbody tr[data-outcome=succeeded]")).Any(r => r.Text.Contains("ada unlock checkout-eu", StringComparison.Ordinal)), "the unlock in the audit log");
        var entry = (await _server.GetJsonAsync("/api/audit?operation=unlock", _admin)).GetProperty("entries").EnumerateArray().Single();
        Assert.Equal("deploy stuck in its hook since 02:40", entry.GetProperty("reason").GetString());
    }

    private static ChromeDriver StartChromium()
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromiumFactAttribute.Driver)!, Path.GetFileName(ChromiumFactAttribute.Driver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumFactAttribute.Browser };
        // Root in a container: no sandbox, no GPU, no shared memory, nothing that reaches out to the network.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
            $"--user-data-dir={Path.Combine(Path.GetTempPath(), "rewind-chromium-" + Guid.NewGuid().ToString("N"))}");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    private static IWebElement Row(IWebDriver driver, string target) => driver.FindElement(By.CssSelector($"#targets tr[data-target='{target}']"));

    private static string? StateOf(IWebDriver driver, string target)
    {
        try
        {
            return Row(driver, target).FindElement(By.CssSelector("[data-role=state]")).Text;
        }
        catch (Exception e) when (e is NoSuchElementException or StaleElementReferenceException)
        {
            return null;
        }
    }

    private static void Until(IWebDriver driver, Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is NoSuchElementException or StaleElementReferenceException)
            {
                // The page re-renders its tables; look again.
            }

            Thread.Sleep(100);
        }

        Screenshot(driver, "dashboard-failure.png");
        Assert.Fail($"timed out waiting for {what}; screenshot in test-output/dashboard-failure.png");
    }

    /// <summary>Saved under the repository's test-output/ for people to look at.</summary>
    private static void Screenshot(IWebDriver driver, string name)
    {
        var folder = Path.Combine(CliRunner.RepositoryRoot, "test-output");
        Directory.CreateDirectory(folder);
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(Path.Combine(folder, name));
    }
}
