import CZlib
import Foundation

/// Reading gzip-compressed files through zlib. A file that is not gzip-compressed is returned
/// unchanged (zlib's `gzread` passes plain files through), so callers accept both forms.
public enum Gzip {
    /// The decompressed bytes of the file at `url`.
    public static func readAll(_ url: URL) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DataError(file: url.path, "file not found; check the path")
        }
        guard let f = gzopen(url.path, "rb") else {
            throw DataError(file: url.path, "cannot open the file for reading; check its permissions")
        }
        defer { gzclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(f, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                let msg = gzerror(f, &code).map { String(cString: $0) } ?? "unknown error"
                throw DataError(file: url.path, "corrupt gzip data (\(msg)); replace the file with a good copy")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        // A truncated stream ends reads with Z_BUF_ERROR, which gzread does not report as -1.
        var code: Int32 = 0
        _ = gzerror(f, &code)
        if code != Z_OK {
            throw DataError(file: url.path, "truncated gzip data (unexpected end of file); replace the file with a good copy")
        }
        return out
    }

    /// Writes `bytes` gzip-compressed to `url`.
    public static func write(_ bytes: [UInt8], to url: URL) throws {
        guard let f = gzopen(url.path, "wb") else {
            throw DataError(file: url.path, "cannot open the file for writing; check the folder exists and is writable")
        }
        let n = bytes.withUnsafeBytes { gzwrite(f, $0.baseAddress, UInt32($0.count)) }
        let rc = gzclose(f)
        guard Int(n) == bytes.count || bytes.isEmpty, rc == Z_OK else {
            throw DataError(file: url.path, "writing gzip data failed (disk full?)")
        }
    }
}
