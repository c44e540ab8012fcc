import ALIP
import Foundation

/// The comparison of a sweep's variants: one row per variant (repeats averaged), written as
/// `report.md`, `report.csv`, `report.svg` (one panel per metric: the metric against the first swept
/// key, one line per combination of the other keys) and `index.html` (table and chart).
public struct SweepReport: Sendable {
    /// One variant, averaged over its repeats.
    public struct Row: Sendable {
        /// The swept keys' values (seed excluded), in the sweep's key order.
        public let settings: [SweepSetting]
        /// Finished runs (summaries found) out of the variant's repeats.
        public let finished: Int
        public let runs: Int
        /// Mean and sample standard deviation (nil with fewer than two values) per metric.
        public let values: [String: (mean: Double, std: Double?)]
    }

    public let keys: [String]
    public let metrics: [String]
    public let rows: [Row]
    /// Summaries that could not be read (path and reason).
    public let warnings: [String]

    /// Reads each variant's `summary.json` under `out` (a flat JSON object of numbers). `metrics` empty:
    /// every key found, sorted.
    public static func collect(_ variants: [SweepVariant], in out: URL, metrics: [String]) -> SweepReport {
        var warnings: [String] = []
        var summaries: [String: [String: Double]] = [:]
        for v in variants {
            let url = SweepRunner.runDirectory(v, in: out).appendingPathComponent("summary.json")
            guard let attrs = try? FileManager.default.attributesOfItem(atPath: url.path) else { continue }
            guard (attrs[.size] as? Int ?? 0) < 16 << 20, let m = try? Trainer.readSummary(url) else {
                warnings.append("\(url.path): not a JSON object of metrics; skipped")
                continue
            }
            summaries[v.name] = m
        }
        let metricList = metrics.isEmpty ? Array(Set(summaries.values.flatMap(\.keys))).sorted() : metrics
        var keys: [String] = []
        for v in variants { for s in v.settings where s.key != "seed" && !keys.contains(s.key) { keys.append(s.key) } }
        var order: [String] = []
        var groups: [String: [SweepVariant]] = [:]
        for v in variants {
            if groups[v.group] == nil { order.append(v.group) }
            groups[v.group, default: []].append(v)
        }
        let rows = order.map { g -> Row in
            let members = groups[g]!
            var values: [String: (Double, Double?)] = [:]
            for metric in metricList {
                let xs = members.compactMap { summaries[$0.name]?[metric] }
                guard !xs.isEmpty else { continue }
                let mean = xs.reduce(0, +) / Double(xs.count)
                let std = xs.count > 1 ? (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count - 1)).squareRoot() : nil
                values[metric] = (mean, std)
            }
            return Row(settings: members[0].settings.filter { $0.key != "seed" }, finished: members.filter { summaries[$0.name] != nil }.count,
                       runs: members.count, values: values)
        }
        return SweepReport(keys: keys, metrics: metricList, rows: rows, warnings: warnings)
    }

    /// Writes `report.md`, `report.csv`, `report.svg` and `index.html` into `out`.
    public func write(to out: URL, title: String) throws {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try markdown(title: title).write(to: out.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
        try csv().write(to: out.appendingPathComponent("report.csv"), atomically: true, encoding: .utf8)
        let svg = SweepChart.svg(self)
        try svg.write(to: out.appendingPathComponent("report.svg"), atomically: true, encoding: .utf8)
        try html(title: title, svg: svg).write(to: out.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
    }

    static func number(_ x: Double) -> String { String(format: "%.4f", x) }

    private func value(_ row: Row, _ key: String) -> String { row.settings.first { $0.key == key }?.value ?? "" }

    private func cellText(_ row: Row, _ metric: String) -> String {
        guard let v = row.values[metric] else { return "–" }
        return v.std.map { "\(Self.number(v.mean)) ± \(Self.number($0))" } ?? Self.number(v.mean)
    }

    public func markdown(title: String) -> String {
        var out = "# Sweep report: \(title)\n\nMean ± sample standard deviation over repeats; `runs` counts finished runs.\n\n"
        let header = keys + ["runs"] + metrics
        out += "| " + header.joined(separator: " | ") + " |\n"
        out += "|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        for r in rows {
            let cells = keys.map { value(r, $0) } + ["\(r.finished)/\(r.runs)"] + metrics.map { cellText(r, $0) }
            out += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        for w in warnings { out += "\nwarning: \(w)\n" }
        return out
    }

    public func csv() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = (keys + ["runs", "finished"] + metrics.flatMap { [$0, "\($0).std"] }).map(field).joined(separator: ",") + "\n"
        for r in rows {
            let ms = metrics.flatMap { m -> [String] in
                guard let v = r.values[m] else { return ["", ""] }
                return [Self.number(v.mean), v.std.map(Self.number) ?? ""]
            }
            out += (keys.map { value(r, $0) } + ["\(r.runs)", "\(r.finished)"] + ms).map(field).joined(separator: ",") + "\n"
        }
        return out
    }

    func html(title: String, svg: String) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var t = "<table>\n<tr>" + (keys + ["runs"] + metrics).map { "<th>\(esc($0))</th>" }.joined() + "</tr>\n"
        for r in rows {
            t += "<tr>" + (keys.map { value(r, $0) } + ["\(r.finished)/\(r.runs)"] + metrics.map { cellText(r, $0) })
                .map { "<td>\(esc($0))</td>" }.joined() + "</tr>\n"
        }
        t += "</table>\n"
        return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>\(esc(title))</title>
        <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}</style>
        </head><body>
        <h1>Sweep report: \(esc(title))</h1>
        <p>Mean ± sample standard deviation over repeats.</p>
        \(t)\(svg)
        </body></html>

        """
    }
}
