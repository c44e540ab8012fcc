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
