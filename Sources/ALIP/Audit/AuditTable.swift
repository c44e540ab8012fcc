import Data
import Foundation

/// A manifest read as plain text cells (header and every data row, rejected ones included), so the
/// audit can write it back unchanged but for added columns and rewritten image paths.
public struct AuditTable: Sendable {
    /// The file read.
    public let url: URL
    /// Column names.
    public var header: [String]
    /// Data rows in file order; row `k` is manifest row index `k` (as `ManifestRow.index` counts them).
    public var rows: [[String]]
    /// The 1-based line each data row starts on.
    public var lines: [Int]

    /// Reads `url` as `Manifest` does (`.csv` comma, `.tsv` tab, otherwise a tab in the first line decides).
    public init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw AuditError("\(url.path): manifest not found; pass an existing TSV/CSV manifest with --data")
        }
        let bytes: [UInt8]
        do { bytes = [UInt8](try Foundation.Data(contentsOf: url)) } catch {
            throw AuditError("\(url.path): cannot read the manifest (\(error.localizedDescription))")
        }
        let ext = url.pathExtension.lowercased()
        let tab = UInt8(ascii: "\t")
        let delimiter: UInt8 = ext == "csv" ? UInt8(ascii: ",") : ext == "tsv" ? tab
            : (bytes.prefix { $0 != UInt8(ascii: "\n") }.contains(tab) ? tab : UInt8(ascii: ","))
        var records = DelimitedText.records(bytes, delimiter: delimiter)
        guard !records.isEmpty else {
            throw AuditError("\(url.path): the manifest is empty; it needs a header row naming its columns")
        }
        let head = records.removeFirst()
        self.url = url
        header = head.fields.map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces) }
        rows = records.map { $0.fields.map { String(decoding: $0, as: UTF8.self) } }
        lines = records.map(\.line)
    }

    /// The index of column `name`, nil when the header lacks it.
    public func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// Writes the rows `selected` (indices into `rows`, in the order given) as TSV to `destination`:
    /// the original columns, then `extra` (name → one value per row of `rows`; an existing column of
    /// that name is overwritten in place). Relative paths in column `imageColumn` are rewritten to
    /// stay valid from the destination's folder.
    public func write(to destination: URL, selected: [Int], imageColumn: Int?, extra: [(name: String, values: [String])] = []) throws {
        var head = header
        var placement: [Int] = []
        for e in extra {
            if let c = head.firstIndex(of: e.name) { placement.append(c) } else { placement.append(head.count); head.append(e.name) }
        }
        let from = url.deletingLastPathComponent().standardizedFileURL
        let to = destination.deletingLastPathComponent().standardizedFileURL
        let rewrite = from.path != to.path
        var text = head.map { DelimitedText.quoted($0, delimiter: "\t") }.joined(separator: "\t") + "\n"
        for r in selected {
            var cells = rows[r]
            if cells.count < head.count { cells += [String](repeating: "", count: head.count - cells.count) }
            if rewrite, let c = imageColumn, c < cells.count {
                let p = cells[c].trimmingCharacters(in: .whitespaces)
                if !p.isEmpty && !p.hasPrefix("/") {
                    cells[c] = AuditTable.relativePath(of: from.appendingPathComponent(p), from: to)
                }
            }
            for (k, e) in extra.enumerated() { cells[placement[k]] = e.values[r] }
            text += cells.map { DelimitedText.quoted($0, delimiter: "\t") }.joined(separator: "\t") + "\n"
        }
        do {
            try FileManager.default.createDirectory(at: to, withIntermediateDirectories: true)
            try Foundation.Data(text.utf8).write(to: destination, options: .atomic)
        } catch {
            throw AuditError("\(destination.path): cannot write the manifest (\(error.localizedDescription)); check the folder exists and is writable")
        }
    }

    /// The path of `file` relative to the folder `directory` (`../images/a.jpg`), both made absolute
    /// and standardised first.
    public static func relativePath(of file: URL, from directory: URL) -> String {
        let a = file.standardizedFileURL.pathComponents, b = directory.standardizedFileURL.pathComponents
        var common = 0
        while common < a.count - 1 && common < b.count && a[common] == b[common] { common += 1 }
        let ups = [String](repeating: "..", count: b.count - common)
        return (ups + a[common...]).joined(separator: "/")
    }
}

/// Bad input to an audit: a missing file or column, an unusable option. The message names the file, the
/// column or row, and what to do.
public struct AuditError: Error, CustomStringConvertible, Sendable {
    /// The message.
    public let message: String
    /// Creates the error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
