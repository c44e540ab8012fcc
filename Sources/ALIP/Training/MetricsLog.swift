import Foundation

/// A failure reading or writing a run's log files: the message names the file (and line) and what to do.
public struct RunLogError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and how to fix it.
    public let message: String
    /// An error with the given message.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The run's `metrics.jsonl`: one JSON object per line, `{"step": 120, "<key>": value, …}` with the
/// other keys in sorted order, written and flushed one whole line at a time.
///
/// The file is never truncated as a whole: a fresh run in an existing folder appends to it, and a
/// resumed run continues it after first dropping every line logged after the resume step (and a torn
/// last line), so no step appears twice. Non-finite values are written as `null`.
public final class MetricsLog {
    /// The log file.
    public let url: URL
    private let handle: FileHandle

    /// Opens (creating if needed) the log at `url` for appending. With `resumeStep`, lines whose step
    /// is greater than it are removed first (the file is rewritten beside itself and renamed over,
    /// so a crash leaves either the old or the new version).
    public init(url: URL, resumeStep: Int? = nil) throws {
        self.url = url
        let fm = FileManager.default
        if fm.fileExists(atPath: url.path) {
            try Self.dropLines(at: url, after: resumeStep)
        } else {
            try? fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard fm.createFile(atPath: url.path, contents: nil) else {
                throw RunLogError("\(url.path): cannot create the metrics log; check the run folder's permissions")
            }
        }
        guard let h = FileHandle(forWritingAtPath: url.path) else {
            throw RunLogError("\(url.path): cannot open the metrics log for writing; check its permissions")
        }
        handle = h
        _ = try? handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Appends one line: `step` first, then `metrics` by sorted key. One `write` per line.
    public func append(step: Int, _ metrics: [String: Double]) throws {
        do {
            _ = try handle.seekToEnd()
            try handle.write(contentsOf: Data((Self.line(step: step, metrics) + "\n").utf8))
        } catch {
            throw RunLogError("\(url.path): cannot append to the metrics log (\(error.localizedDescription)); check free space")
        }
    }

    /// Closes the file (later `append` calls fail).
    public func close() { try? handle.close() }

    /// The JSON line (without newline) for one step.
    public static func line(step: Int, _ metrics: [String: Double]) -> String {
        var s = "{\"step\": \(step)"
        for key in metrics.keys.sorted() where key != "step" {
            s += ", " + jsonString(key) + ": " + jsonNumber(metrics[key]!)
        }
        return s + "}"
    }

    /// `<name>.mean`, `<name>.min`, `<name>.max` of a batch of values (for example a gate's weights).
    public static func statistics(_ name: String, _ values: [Float]) -> [String: Double] {
        guard !values.isEmpty else { return [:] }
        var sum = 0.0, lo = Double.infinity, hi = -Double.infinity
        for v in values { let d = Double(v); sum += d; lo = min(lo, d); hi = max(hi, d) }
        return ["\(name).mean": sum / Double(values.count), "\(name).min": lo, "\(name).max": hi]
    }

    /// Every complete line of a log as (step, metrics); `null` values read back as NaN.
    public static func read(_ url: URL) throws -> [(step: Int, metrics: [String: Double])] {
        try parse(url).lines.map { ($0.step, $0.metrics) }
    }

    // MARK: - Helpers

    private struct Line { let step: Int; let metrics: [String: Double]; let bytes: Data }

    /// The complete lines of the file, and whether it ends in a torn (unterminated) line.
    private static func parse(_ url: URL) throws -> (lines: [Line], torn: Bool) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RunLogError("\(url.path): cannot read the metrics log (\(error.localizedDescription))")
        }
        var lines: [Line] = []
        var start = data.startIndex, number = 0
        while let nl = data[start...].firstIndex(of: 0x0A) {
            number += 1
            let bytes = data[start..<nl]
            start = data.index(after: nl)
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            // JSONDecoder reads numbers back exactly as written (JSONSerialization on Linux may not).
            guard let object = try? JSONDecoder().decode([String: JSONNumber].self, from: Data(bytes)),
                  let s = object["step"]?.value, s == s.rounded(), abs(s) < 1e15 else {
                throw RunLogError("\(url.path):\(number): not a metrics line (a JSON object with an integer \"step\"); fix or delete that line, then resume again")
            }
            let step = Int(s)
            var metrics: [String: Double] = [:]
            for (k, v) in object where k != "step" { metrics[k] = v.value ?? .nan }
            lines.append(Line(step: step, metrics: metrics, bytes: Data(bytes)))
        }
        return (lines, start < data.endIndex)
    }

    private static func dropLines(at url: URL, after resumeStep: Int?) throws {
        let (lines, torn) = try parse(url)
        let kept = resumeStep.map { s in lines.filter { $0.step <= s } } ?? lines
        guard torn || kept.count != lines.count else { return }
        var out = Data()
        for l in kept { out.append(l.bytes); out.append(0x0A) }
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).resume.tmp")
        do {
            try out.write(to: temp)
            guard rename(temp.path, url.path) == 0 else { throw RunLogError(String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw RunLogError("\(url.path): cannot rewrite the metrics log for resuming (\(error)); check the folder's permissions and free space")
        }
    }

    private static func jsonNumber(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) + ".0" }
        return "\(d)"
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
