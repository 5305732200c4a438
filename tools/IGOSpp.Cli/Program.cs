using IGOSpp.Cli;

// Ctrl+C (or SIGTERM) cancels the run: the image being explained is dropped, the finished ones stay, and the same
// command resumes. A second Ctrl+C ends the process at once.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancellation.IsCancellationRequested) return;
    e.Cancel = true;
    Console.Error.WriteLine("Cancelling after the current step (Ctrl+C again to stop at once)...");
    cancellation.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});
return await CliApp.RunAsync(args, Console.Out, Console.Error, cancellation.Token,
    interactive: !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null);
