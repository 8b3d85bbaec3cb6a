namespace LinearAlign.Engine.Model;

/// <summary>The model file is missing, unreadable or not a model llama.cpp can load. The message is one line.</summary>
public sealed class ModelLoadException(string message) : Exception(message);
