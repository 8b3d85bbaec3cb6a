using System.Text;
using LinearAlign.Engine.Sampling;

namespace LinearAlign.Engine.Generation;

/// <summary>
/// What steering did at each token of an aligned stream asking for diagnostics, written by the inference thread into
/// pooled buffers (nothing allocated per token there) and read as <see cref="SteeredToken"/>s on the reader's side.
/// The owner serialises access.
/// </summary>
internal sealed class SteeringTrace : ITokenTrace<SteeredToken>
{
    private readonly PooledRecords<StepRecord> _steps = new();
    private readonly PooledBytes _bytes = new();

    private readonly record struct StepRecord(int TextOffset, int Token, ByteRange Text, ByteRange ChoiceText, SteeringStep Step);

    public void Add(int textOffset, int token, SteeringStep step, TokenPiece piece)
    {
        var text = _bytes.Store(piece(token));
        _steps.Add(new StepRecord(textOffset, token, text, step.PrincipleChoice == token ? text : _bytes.Store(piece(step.PrincipleChoice)), step));
    }

    public List<SteeredToken> Read(int from, int textLength)
    {
        var read = new List<SteeredToken>();
        for (var i = from; i < _steps.Count && _steps[i].TextOffset < textLength; i++)
        {
            var (textOffset, token, text, choiceText, step) = _steps[i];
            read.Add(new SteeredToken(
                token,
                Encoding.UTF8.GetString(_bytes.Copy(text)),
                textOffset,
                step.Probability,
                step.PrincipleProbability,
                new PrincipleChoice(step.PrincipleChoice, Encoding.UTF8.GetString(_bytes.Copy(choiceText)), step.PrincipleChoiceProbability),
                step.KlAlignedPrincipled,
                step.KlPrincipledBase,
                step.DirectionNorm));
        }
        return read;
    }

    public void Release()
    {
        _steps.Release();
        _bytes.Release();
    }
}
