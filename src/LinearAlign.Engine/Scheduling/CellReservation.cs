namespace LinearAlign.Engine.Scheduling;

/// <summary>
/// KV cells set aside at one admission. The choices of a comparison hold one reservation together until the last of
/// them ends, because their prompt cells are shared: the cells stay in use as long as any of them runs.
/// </summary>
internal sealed class CellReservation(int cells, int holders)
{
    private int _holders = holders;

    public int Cells { get; } = cells;

    /// <summary>One holder lets go; true when it was the last, and the cells are free to reserve again.</summary>
    public bool Release() => --_holders == 0;
}
