/// Turns a string into one row of token ids in open_clip's layout: start-of-text, the text's tokens,
/// end-of-text (the highest id in use, which text pooling finds with argmax), then zero padding to
/// `contextLength`; over-long texts are truncated keeping the end-of-text token.
public protocol Tokenizing: Sendable {
    /// Tokens per row.
    var contextLength: Int { get }
    /// Number of token ids (the text encoder's embedding rows).
    var vocabSize: Int { get }
    /// One row of exactly `contextLength` ids.
    func encode(_ text: String) -> [Int32]
}

/// A tokenizer component (slot `.tokenizer`): the recipe's description of a tokenizer, which becomes a
/// `BPETokenizer` once the training texts are at hand. The component's constructor does not have the
/// texts, so the trainer calls `makeTokenizer(trainingTexts:)` explicitly (and, on resume, loads the
/// tokenizer stored in the checkpoint with `BPETokenizer(json:)` instead).
public protocol TokenizerSpec: Sendable {
    /// Tokens per row.
    var contextLength: Int { get }
    /// The vocabulary size the built tokenizer will have (published as the `vocab_size` fact).
    var vocabSize: Int { get }
    /// Builds the tokenizer; `trainingTexts` is called only when the tokenizer must be trained.
    func makeTokenizer(trainingTexts: () throws -> [String]) throws -> BPETokenizer
}
