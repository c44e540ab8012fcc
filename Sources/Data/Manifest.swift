import Foundation

/// Which manifest columns hold what (open_clip's `--csv-img-key` / `--csv-caption-key`).
public struct ManifestColumns: Sendable, Equatable {
    /// The image path column (paths relative to the manifest's folder).
    public var image: String
    /// Text field name (as batches carry it) → column name, in field order.
    public var texts: [(field: String, column: String)]
    /// The integer class label column; rows carry no label when the manifest lacks it.
    public var label: String?

    /// The default layout: `image`, `raw_text` → field `raw`, `caption` → field `caption`, `label`.
    public init(image: String = "image", raw: String = "raw_text", caption: String = "caption", label: String? = "label") {
        self.image = image
        self.texts = [("raw", raw), ("caption", caption)]
        self.label = label
    }

    /// A layout with arbitrary named text fields.
    public init(image: String, texts: [(field: String, column: String)], label: String?) {
        self.image = image
        self.texts = texts
        self.label = label
    }

    public static func == (a: ManifestColumns, b: ManifestColumns) -> Bool {
        a.image == b.image && a.label == b.label && a.texts.map(\.field) == b.texts.map(\.field)
            && a.texts.map(\.column) == b.texts.map(\.column)
    }
}

/// One valid manifest row.
public struct ManifestRow: Sendable, Equatable {
    /// 0-based data-row index (header excluded); stable whatever rows are skipped.
    public let index: Int
    /// 1-based line in the manifest where the row starts.
    public let line: Int
    /// The image file (resolved against the manifest's folder).
    public let imageURL: URL
    /// The image path as written in the manifest.
    public let imagePath: String
    /// Texts in the order of `Manifest.fields`.
    public let texts: [String]
    /// The label, when the manifest has a label column.
    public let label: Int?
}

/// A parsed manifest (TSV or CSV with a header row): its valid rows and the rows it rejected.
///
/// Text checks happen here: each text must be valid UTF-8, non-empty after whitespace trimming and at
/// most `maxTextLength` characters (a longer text usually means a broken row, for example an unclosed
/// quote that swallowed the lines after it). Image files are only opened by the loader.
public struct Manifest: Sendable {
    /// The manifest file.
    public let url: URL
    /// Column names from the header.
    public let header: [String]
    /// Text field names present in this manifest (for example `["raw", "caption"]`).
    public let fields: [String]
    /// Whether rows carry labels.
    public let hasLabels: Bool
    /// Valid rows, in file order.
    public let rows: [ManifestRow]
    /// Rows rejected while parsing (empty under `on_error: fail`, which throws on the first).
    public let issues: [RowIssue]
    /// Number of data rows in the file (valid + rejected).
    public let totalRows: Int

    /// Reads and checks the manifest at `url`.
    ///
    /// A configured text column that the header lacks is an error naming the header's columns, except
    /// the default `caption` column, which may be absent (a CLIP-only manifest); the label column may be
    /// absent too (no labels).
    public init(url: URL, columns: ManifestColumns = ManifestColumns(), onError: OnError = .fail,
                maxTextLength: Int = 1000, optionalFields: Set<String> = ["caption"]) throws {
        self.url = url
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(file: path, "manifest not found; check the dataset's 'path' (relative paths resolve against the recipe's folder)")
        }
        let bytes: [UInt8]
        do { bytes = [UInt8](try Foundation.Data(contentsOf: url)) } catch {
            throw DataError(file: path, "cannot read the manifest (\(error.localizedDescription))")
        }
        let ext = url.pathExtension.lowercased()
        let firstLine = bytes.prefix { $0 != UInt8(ascii: "\n") }
        let delimiter: UInt8 = ext == "csv" ? UInt8(ascii: ",")
            : ext == "tsv" ? UInt8(ascii: "\t")
            : (firstLine.contains(UInt8(ascii: "\t")) ? UInt8(ascii: "\t") : UInt8(ascii: ","))
        var records = DelimitedText.records(bytes, delimiter: delimiter)
        guard !records.isEmpty else {
            throw DataError(file: path, line: 1, "the manifest is empty; it needs a header row naming its columns (image, raw_text, caption, label)")
        }
        let headerRecord = records.removeFirst()
        var header: [String] = []
        for f in headerRecord.fields {
            guard let s = String(validating: f, as: UTF8.self) else {
                throw DataError(file: path, line: headerRecord.line, "the header is not valid UTF-8; save the file as UTF-8")
            }
            header.append(s.trimmingCharacters(in: .whitespaces))
        }
        self.header = header
        func col(_ name: String) -> Int? { header.firstIndex(of: name) }
        let sepName = delimiter == UInt8(ascii: "\t") ? "tab" : "comma"
        let columnsList = header.joined(separator: ", ")
        guard let imageCol = col(columns.image) else {
            throw DataError(file: path, line: headerRecord.line,
                            "no image column '\(columns.image)' in the header (columns: \(columnsList); \(sepName)-separated); set the dataset's 'image_key'")
        }
        var textCols: [(String, Int)] = []
        for (field, column) in columns.texts {
            if let c = col(column) { textCols.append((field, c)); continue }
            if optionalFields.contains(field) { continue }
            throw DataError(file: path, line: headerRecord.line,
                            "no text column '\(column)' (field '\(field)') in the header (columns: \(columnsList)); set the dataset's '\(field)_key'")
        }
        self.fields = textCols.map(\.0)
        let labelCol = columns.label.flatMap(col)
        self.hasLabels = labelCol != nil

        var rows: [ManifestRow] = []
        var issues: [RowIssue] = []
        rows.reserveCapacity(records.count)
        let base = url.deletingLastPathComponent()
        for (index, rec) in records.enumerated() {
            func reject(_ problem: RowProblem, _ reason: String) throws {
                let err = DataError(file: path, line: rec.line, reason)
                if onError == .fail { throw err }
                issues.append(RowIssue(row: index, line: rec.line, problem: problem, error: err))
            }
            if rec.unterminatedQuote {
                try reject(.unterminatedQuote, "a quoted field opened on this line never closes (the rest of the file was read into it); close the quote or escape it as \"\"")
                continue
            }
            guard rec.fields.count == header.count else {
                try reject(.wrongColumnCount, "expected \(header.count) \(sepName)-separated columns (\(columnsList)) but found \(rec.fields.count); fix the row or quote fields that contain the separator")
                continue
            }
            var strings: [String] = []
            var bad = false
            for (c, f) in rec.fields.enumerated() {
                guard let s = String(validating: f, as: UTF8.self) else {
                    try reject(.invalidUTF8, "column '\(header[c])' is not valid UTF-8; re-save the manifest as UTF-8")
                    bad = true; break
                }
                strings.append(s)
            }
            if bad { continue }
            let imagePath = strings[imageCol].trimmingCharacters(in: .whitespaces)
            if imagePath.isEmpty {
                try reject(.missingFile, "column '\(columns.image)' is empty; every row needs an image path")
                continue
            }
            var texts: [String] = []
            for (field, c) in textCols {
                let t = strings[c]
                if t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    try reject(.emptyText, "the \(field) text (column '\(header[c])') is empty; give every row a text or remove the row")
                    bad = true; break
                }
                if t.count > maxTextLength {
                    try reject(.overlongText, "the \(field) text (column '\(header[c])') has \(t.count) characters, more than max_text_length \(maxTextLength); check for an unclosed quote or raise max_text_length")
                    bad = true; break
                }
                texts.append(t)
            }
            if bad { continue }
            var label: Int?
            if let lc = labelCol {
                let s = strings[lc].trimmingCharacters(in: .whitespaces)
                guard let l = Int(s), l >= 0 else {
                    try reject(.badLabel, "label '\(s)' (column '\(header[lc])') is not a non-negative integer")
                    continue
                }
                label = l
            }
            let imageURL = imagePath.hasPrefix("/") ? URL(fileURLWithPath: imagePath) : base.appendingPathComponent(imagePath)
            rows.append(ManifestRow(index: index, line: rec.line, imageURL: imageURL, imagePath: imagePath, texts: texts, label: label))
        }
        self.rows = rows
        self.issues = issues
        self.totalRows = records.count
    }

    /// The texts of one field over all valid rows (for example to train a tokenizer).
    public func texts(field: String) -> [String] {
        guard let k = fields.firstIndex(of: field) else { return [] }
        return rows.map { $0.texts[k] }
    }
}
