using FluentAssertions;
using IGOSpp.Benchmarks.UserModel;
using NUnit.Framework;

namespace IGOSpp.Benchmarks.Tests.UserModel;

[TestFixture]
public sealed class BatchSizeAdvisorTests
{
    private const long Mb = 1024 * 1024;

    [Test]
    public void Recommend_MemoryBound_LargestBatchWithinHalfOfAvailable() =>
        // (1000/2 − 100) / 10 = 40 images, below the cap 80.
        BatchSizeAdvisor.Recommend(100 * Mb, 10 * Mb, 1000 * Mb, 80).Should().Be(40);

    [Test]
    public void Recommend_BudgetBetweenBatches_RoundsDown() =>
        // (500 − 100) / 30 = 13.3 → 13.
        BatchSizeAdvisor.Recommend(100 * Mb, 30 * Mb, 1000 * Mb, 80).Should().Be(13);

    [Test]
    public void Recommend_PlentyOfMemory_CappedAt4S() =>
        BatchSizeAdvisor.Recommend(100 * Mb, 1 * Mb, 64_000 * Mb, 80).Should().Be(80);

    [Test]
    public void Recommend_NotEvenOneImageFits_ReturnsOne() =>
        BatchSizeAdvisor.Recommend(900 * Mb, 200 * Mb, 1000 * Mb, 80).Should().Be(1);

    [Test]
    public void Recommend_NegativeIntercept_TreatedAsZero() =>
        // A fit through two noisy points can cross below zero; the budget is then 500 / 10 = 50, not (500 + 50) / 10.
        BatchSizeAdvisor.Recommend(-50 * Mb, 10 * Mb, 1000 * Mb, 80).Should().Be(50);

    [Test]
    public void Recommend_NoMeasurableGrowth_ReturnsCap() =>
        BatchSizeAdvisor.Recommend(100 * Mb, 0, 1000 * Mb, 40).Should().Be(40);

    [Test]
    public void MemAvailableBytes_MeminfoFile_ReadsKilobytes()
    {
        var path = ModelFixtures.WriteTemp(
            System.Text.Encoding.ASCII.GetBytes("MemTotal:       24576000 kB\nMemFree:         1000000 kB\nMemAvailable:   12345678 kB\nBuffers:  10 kB\n"),
            "meminfo");

        BatchSizeAdvisor.MemAvailableBytes(path).Should().Be(12345678L * 1024);
    }

    [Test]
    public void MemAvailableBytes_MissingFile_ReturnsMinusOne() =>
        BatchSizeAdvisor.MemAvailableBytes("/nonexistent/meminfo").Should().Be(-1);

    [Test]
    public void BatchAdvice_TwoMeasurements_FitsLine()
    {
        var advice = new BatchAdvice(2, 120 * Mb, 8, 180 * Mb, 1000 * Mb, 80, null, "");

        advice.BytesPerImage.Should().Be(10 * Mb);
        advice.FixedBytes.Should().Be(100 * Mb);
    }
}
