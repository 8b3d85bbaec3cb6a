namespace LinearAlign.Engine.Alignment;

public enum AlignmentMode
{
    /// <summary>aligned = l_W + s·(l_W − l_U), as in the authors' reference code.</summary>
    Reference,

    /// <summary>
    /// aligned = l_W + s·d/‖d‖₂ with d = log_softmax(l_W) − log_softmax(l_U), the paper's Algorithm 1: the direction
    /// between the two distributions, which the constant each context's raw logits carry would otherwise lengthen.
    /// </summary>
    Normalized,
}
