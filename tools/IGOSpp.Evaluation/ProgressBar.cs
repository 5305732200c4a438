using System.Globalization;

namespace IGOSpp.Evaluation;

/// <summary>A one-line console progress bar (rewritten in place with \r).</summary>
internal sealed class ProgressBar(string title, int total)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public void Report(int done, double deletion, double insertion)
    {
        const int width = 30;
        var filled = (int)Math.Round(width * done / (double)total);
        var eta = done == 0 ? 0 : _clock.Elapsed.TotalSeconds / done * (total - done);
        Console.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{title,-34} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}  del {deletion:F4} ins {insertion:F4}  ETA {eta:F0} s   "));
    }

    public void Done() => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ({_clock.Elapsed.TotalSeconds:F0} s)"));
}
