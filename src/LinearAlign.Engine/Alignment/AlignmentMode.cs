namespace LinearAlign.Engine.Alignment;

public enum AlignmentMode
{
    /// <summary>aligned = l_W + s·(l_W − l_U), as in the authors' reference code.</summary>
    Reference,

    /// <summary>aligned = l_W + s·(l_W − l_U)/‖l_W − l_U‖₂, the paper's Algorithm 1.</summary>
    Normalized,
}
