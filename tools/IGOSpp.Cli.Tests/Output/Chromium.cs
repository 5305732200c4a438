using System.Diagnostics;

namespace IGOSpp.Cli.Tests.Output;

/// <summary>Headless Chromium (Debian's <c>chromium</c>; CI installs it in .ci/install-deps.sh).</summary>
internal static class Chromium
{
    /// <summary>The browser's path, or null when none is installed.</summary>
    public static string? Find()
    {
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path)) return path;
            }
        }

        return null;
    }

    /// <summary>Opens <paramref name="page"/> from disk and returns the DOM after scripts ran and pictures loaded.</summary>
    public static (string Dom, string Log) DumpDom(string browser, string page) =>
        Run(browser, ["--dump-dom", "--enable-logging=stderr", "--v=0", new Uri(page).AbsoluteUri]);

    /// <summary>Opens <paramref name="page"/> and saves a screenshot of the window as PNG.</summary>
    public static string Screenshot(string browser, string page, string png, int width = 1280, int height = 1500) =>
        Run(browser, [$"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", new Uri(page).AbsoluteUri]).Log;

    private static (string Stdout, string Log) Run(string browser, IEnumerable<string> args)
    {
        var profile = Path.Combine(Path.GetTempPath(), $"igospp-chromium-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo(browser)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions",
                     "--disable-dev-shm-usage", $"--user-data-dir={profile}", "--virtual-time-budget=10000" })
            start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{browser} did not finish within 2 minutes.");
            }

            return (stdout.Result, stderr.Result);
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
