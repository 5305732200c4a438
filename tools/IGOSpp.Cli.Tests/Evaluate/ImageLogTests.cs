using FluentAssertions;
using IGOSpp.Evaluation;

namespace IGOSpp.Cli.Tests.Evaluate;

[TestFixture]
public sealed class ImageLogTests
{
    private static ImageRecord Record(int testIndex) => new()
    {
        Method = "igospp7",
        Settings = "defaults",
        Order = testIndex,
        TestIndex = testIndex,
        Label = 3,
        OriginalScore = 0.9,
        Seconds = 1.5,
        ForwardImages = 100 + testIndex,
        BackwardImages = 40,
        Auc = new() { ["iGOS++"] = [0.1 * testIndex, 0.8] },
        Iterations = [new IterationRecord(0.5, 1.6, double.NaN, 2, [0.9, 0.8], 0.01, 0.7)],
    };

    private static string TempLog() => Path.Combine(Path.GetTempPath(), $"igospp-imagelog-{Guid.NewGuid():N}.jsonl");

    [Test]
    public void Append_AfterALineCutByAnInterruptedWrite_KeepsTheNewRecordReadable()
    {
        var path = TempLog();
        try
        {
            var first = new ImageLog(path, resume: false);
            first.Append(Record(0));
            first.Append(Record(1));
            // Stopping the process mid-write leaves the last record without its end.
            var text = File.ReadAllText(path);
            File.WriteAllText(path, text[..(text.Length - 40)]);

            var resumed = new ImageLog(path, resume: true);
            resumed.Records.Select(r => r.TestIndex).Should().Equal([0], "the cut line is skipped");
            resumed.Append(Record(1));

            var reread = new ImageLog(path, resume: true);
            reread.Records.Select(r => r.TestIndex).Order().Should().Equal(0, 1);
            reread.Find("igospp7", "defaults", 1)!.ForwardImages.Should().Be(101);
            reread.Find("igospp7", "defaults", 1)!.Iterations[0].LossAfterStep.Should().Be(double.NaN);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void Constructor_WithoutResume_StartsAnEmptyLog()
    {
        var path = TempLog();
        try
        {
            new ImageLog(path, resume: false).Append(Record(0));
            new ImageLog(path, resume: true).Records.Should().HaveCount(1);

            var fresh = new ImageLog(path, resume: false);

            fresh.Records.Should().BeEmpty();
            File.Exists(path).Should().BeFalse("a run without --resume replaces the old log");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
