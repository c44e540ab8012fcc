/// A small RFC 4180 reader for CSV and TSV bytes: fields separated by one delimiter byte, records by
/// `\n` or `\r\n`, fields optionally quoted with `"` (a quote inside a quoted field doubled as `""`;
/// a quoted field may span lines). Blank lines are skipped; a leading UTF-8 byte-order mark is dropped.
/// Works on bytes, so invalid UTF-8 is found per field (and reported per row) rather than per file.
public enum DelimitedText {
    /// One record: its fields' raw bytes and the 1-based line where it starts.
    public struct Record: Sendable {
        /// 1-based line number where the record starts.
        public var line: Int
        /// The fields (quotes removed, `""` unescaped).
        public var fields: [[UInt8]]
        /// Set when a quoted field never closes (the record then runs to the end of the input).
        public var unterminatedQuote: Bool
    }

    /// Splits `bytes` into records.
    public static func records(_ bytes: [UInt8], delimiter: UInt8) -> [Record] {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        var out: [Record] = []
        var i = 0
        let n = bytes.count
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        var line = 1
        while i < n {
            // Skip blank lines.
            if bytes[i] == lf { line += 1; i += 1; continue }
            if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf { line += 1; i += 2; continue }
            let startLine = line
            var fields: [[UInt8]] = []
            var field: [UInt8] = []
            var unterminated = false
            var endOfRecord = false
            while !endOfRecord {
                field.removeAll(keepingCapacity: true)
                if i < n, bytes[i] == quote {
                    // Quoted field.
                    i += 1
                    var closed = false
                    while i < n {
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < n, bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                            i += 1; closed = true; break
                        }
                        if b == lf { line += 1 }
                        field.append(b); i += 1
                    }
                    if !closed { unterminated = true }
                    // Anything between the closing quote and the delimiter is kept (lenient, like pandas).
                    while i < n, bytes[i] != delimiter, bytes[i] != lf {
                        if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf { break }
                        field.append(bytes[i]); i += 1
                    }
                } else {
                    while i < n, bytes[i] != delimiter, bytes[i] != lf {
                        if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf { break }
                        field.append(bytes[i]); i += 1
                    }
                }
                fields.append(field)
                if i >= n { endOfRecord = true }
                else if bytes[i] == delimiter { i += 1 }
                else if bytes[i] == cr { i += 2; line += 1; endOfRecord = true }   // \r\n
                else if bytes[i] == lf { i += 1; line += 1; endOfRecord = true }
            }
            out.append(Record(line: startLine, fields: fields, unterminatedQuote: unterminated))
        }
        return out
    }

    /// Quotes a field for writing when it contains the delimiter, a quote or a line break.
    public static func quoted(_ field: String, delimiter: Character) -> String {
        if field.contains(delimiter) || field.contains("\"") || field.contains("\n") || field.contains("\r") {
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return field
    }
}

import Foundation
