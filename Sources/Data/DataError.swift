/// A problem with input data: a manifest, an image, a text, a tokenizer file. The message names the
/// file, the line (as a human counts lines in the file, header = line 1) when there is one, what is
/// wrong and what to do.
public struct DataError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file the problem is in (a path as given or resolved).
    public let file: String
    /// 1-based line in `file`, when the problem belongs to a line.
    public let line: Int?
    /// What is wrong and what to do.
    public let reason: String

    /// An error about `file` (at `line`, if any).
    public init(file: String, line: Int? = nil, _ reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// `file:line: reason`, or `file: reason` without a line.
    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }
}

/// What the pipeline does with a bad row: stop with an error, or leave the row out and report it at
/// the end of the epoch.
public enum OnError: String, Sendable, CaseIterable {
    case fail, skip
}

/// Why a row was rejected, as counted in an epoch report.
public enum RowProblem: String, Sendable, CaseIterable, Comparable {
    case wrongColumnCount = "wrong number of columns"
    case unterminatedQuote = "unterminated quoted field"
    case invalidUTF8 = "invalid UTF-8"
    case emptyText = "empty text"
    case overlongText = "over-long text"
    case badLabel = "invalid label"
    case missingFile = "missing image file"
    case corruptImage = "corrupt or truncated image"
    case unsupportedFormat = "unsupported image format"

    public static func < (a: RowProblem, b: RowProblem) -> Bool { a.rawValue < b.rawValue }
}

/// One rejected row: where it is, why, and the full message.
public struct RowIssue: Sendable, Equatable {
    /// 0-based data-row index (header excluded).
    public let row: Int
    /// 1-based line in the manifest where the row starts.
    public let line: Int
    /// The category, for counting.
    public let problem: RowProblem
    /// The full message (`file:line: …`).
    public let error: DataError
}
