using System.Globalization;
using Spectre.Console;

namespace IGOSpp.Cli.Explain;

/// <summary>Where the explain loop reports its progress: a Spectre progress bar with ETA on a terminal, plain lines
/// otherwise (logs, CI, tests).</summary>
internal interface IRunProgress
{
    /// <summary>Image <paramref name="index"/> (0-based) of <paramref name="total"/> starts.</summary>
    void StartImage(string id, int index, int total);

    /// <summary>The method finished an iteration of the current image.</summary>
    void Iteration(ExplanationProgress progress);

    /// <summary>The current image is done (or failed); <paramref name="line"/> says how.</summary>
    void FinishImage(string line);

    /// <summary>A line that is not about one image.</summary>
    void Message(string line);
}

/// <summary>Plain lines: one when an image starts and one when it ends (with an estimate of the time left).</summary>
internal sealed class PlainProgress(TextWriter output) : IRunProgress
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private int _index;
    private int _total;
    private int _finished;

    public void StartImage(string id, int index, int total)
    {
        (_index, _total) = (index, total);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{index + 1}/{total}] {id}"));
    }

    public void Iteration(ExplanationProgress progress)
    {
    }

    public void FinishImage(string line)
    {
        _finished++;
        var remaining = _total - _index - 1;
        var eta = remaining > 0
            ? string.Create(CultureInfo.InvariantCulture, $" (about {_clock.Elapsed.TotalSeconds / _finished * remaining:F0} s to go)")
            : "";
        output.WriteLine($"  {line}{eta}");
    }

    public void Message(string line) => output.WriteLine(line);
}

/// <summary>A Spectre.Console progress bar over all images (each image's share filled by its iterations) with the
/// elapsed and remaining time.</summary>
internal sealed class SpectreProgress(ProgressContext context, int total) : IRunProgress
{
    private readonly ProgressTask _task = context.AddTask("images", maxValue: Math.Max(1, total) * 100.0);
    private int _index;

    public void StartImage(string id, int index, int total)
    {
        _index = index;
        _task.Description = Markup.Escape($"{index + 1}/{total} {id}");
        _task.Value = index * 100.0;
    }

    public void Iteration(ExplanationProgress progress)
    {
        if (progress.TotalIterations > 0)
            _task.Value = _index * 100.0 + 100.0 * progress.Iteration / progress.TotalIterations * 0.9;
    }

    public void FinishImage(string line)
    {
        _task.Value = (_index + 1) * 100.0;
        AnsiConsole.MarkupLine(Markup.Escape(line));
    }

    public void Message(string line) => AnsiConsole.MarkupLine(Markup.Escape(line));

    /// <summary>Runs <paramref name="body"/> under a progress display with a bar, percentage, elapsed and remaining time.</summary>
    public static T Run<T>(int total, Func<IRunProgress, T> body) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => body(new SpectreProgress(context, total)));
}

/// <summary>Forwards the explainer's iteration reports to the run's progress, synchronously.</summary>
internal sealed class IterationReporter(IRunProgress progress) : IProgress<ExplanationProgress>
{
    public void Report(ExplanationProgress value) => progress.Iteration(value);
}
