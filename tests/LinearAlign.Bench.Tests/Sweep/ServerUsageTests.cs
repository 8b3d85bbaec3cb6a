using LinearAlign.Bench.Sweep;

namespace LinearAlign.Bench.Tests.Sweep;

public sealed class ServerUsageTests
{
    [Fact]
    public void Device_memory_is_the_accelerators_own_and_leaves_out_the_CPU_device()
    {
        var usage = ServerUsage.Of("""
            linearalign_kv_cells_used{model="styles"} 1536
            linearalign_kv_cells_total{model="styles"} 8192
            linearalign_device_memory_used_bytes{device="CPU"} 40000000000
            linearalign_device_memory_used_bytes{device="CUDA0"} 3000000000

            """);

        Assert.Equal(new ServerUsage(1536, 3000000000), usage);
    }

    [Fact]
    public void A_CPU_only_server_reports_no_device_memory()
    {
        var usage = ServerUsage.Of("""
            linearalign_kv_cells_used{model="styles"} 0
            linearalign_device_memory_used_bytes{device="CPU"} 0

            """);

        Assert.Equal(new ServerUsage(0, null), usage);
    }

    [Fact]
    public void The_peak_keeps_the_larger_of_each_measure_and_one_that_only_one_side_has()
    {
        Assert.Equal(new ServerUsage(800, 2048), new ServerUsage(800, null).Max(new ServerUsage(600, 2048)));
        Assert.Equal(new ServerUsage(900, 4096), new ServerUsage(100, 4096).Max(new ServerUsage(900, 1024)));
    }
}
