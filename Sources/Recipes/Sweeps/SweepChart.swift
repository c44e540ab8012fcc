import Foundation

/// A hand-written SVG line chart of a sweep report: one panel per metric, the metric's mean against
/// the first swept key (numeric keys placed by value, others evenly in order), one line per
/// combination of the other swept keys, with axes, ticks and a legend.
enum SweepChart {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func svg(_ report: SweepReport) -> String {
        let xKey = report.keys.first
        // Series: the other keys' values.
        func seriesName(_ r: SweepReport.Row) -> String {
            let rest = r.settings.filter { $0.key != xKey }.map { "\($0.key)=\($0.value)" }
            return rest.isEmpty ? "all" : rest.joined(separator: ", ")
        }
        var series: [String] = []
        for r in report.rows { let s = seriesName(r); if !series.contains(s) { series.append(s) } }
        // The legend column grows with the longest series name (about 7 px a character at 12 px).
        let right = max(220.0, 45 + 7 * Double(series.map(\.count).max() ?? 0))
        let panelW = 420.0 + right, panelH = 300.0, left = 70.0, top = 40.0, bottom = 50.0
        let metrics = report.metrics.isEmpty ? ["(no metrics)"] : report.metrics
        let height = Double(metrics.count) * panelH
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(panelW))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        // X positions: the first key's distinct values.
        var xs: [String] = []
        for r in report.rows { let v = r.settings.first { $0.key == xKey }?.value ?? ""; if !xs.contains(v) { xs.append(v) } }
        let numeric = xs.allSatisfy { Double($0) != nil } && xs.count > 1
        let xMin = numeric ? xs.compactMap(Double.init).min()! : 0, xMax = numeric ? xs.compactMap(Double.init).max()! : Double(max(1, xs.count - 1))
        func xFrac(_ v: String) -> Double {
            if numeric { return xMax > xMin ? (Double(v)! - xMin) / (xMax - xMin) : 0.5 }
            return xs.count > 1 ? Double(xs.firstIndex(of: v) ?? 0) / Double(xs.count - 1) : 0.5
        }

        for (p, metric) in metrics.enumerated() {
            let oy = Double(p) * panelH
            let plotW = panelW - left - right, plotH = panelH - top - bottom
            let vals = report.rows.compactMap { $0.values[metric]?.mean }
            var lo = vals.min() ?? 0, hi = vals.max() ?? 1
            if hi - lo < 1e-12 { lo -= 0.5 * max(abs(lo), 1e-3); hi += 0.5 * max(abs(hi), 1e-3) }
            let pad = (hi - lo) * 0.05
            lo -= pad; hi += pad
            func px(_ f: Double) -> Double { left + f * plotW }
            func py(_ v: Double) -> Double { oy + top + (1 - (v - lo) / (hi - lo)) * plotH }
            out += "<g>\n<text x=\"\(Int(left))\" y=\"\(Int(oy + 20))\" font-size=\"14\" font-weight=\"bold\">\(esc(metric))</text>\n"
            // Axes.
            out += "<line x1=\"\(px(0))\" y1=\"\(oy + top + plotH)\" x2=\"\(px(1))\" y2=\"\(oy + top + plotH)\" stroke=\"black\"/>\n"
            out += "<line x1=\"\(px(0))\" y1=\"\(oy + top)\" x2=\"\(px(0))\" y2=\"\(oy + top + plotH)\" stroke=\"black\"/>\n"
            for k in 0...4 {
                let v = lo + (hi - lo) * Double(k) / 4
                let y = py(v)
                out += "<line x1=\"\(px(0) - 4)\" y1=\"\(y)\" x2=\"\(px(0))\" y2=\"\(y)\" stroke=\"black\"/>"
                out += "<text x=\"\(px(0) - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(String(format: "%.3g", v))</text>\n"
            }
            for v in xs {
                let x = px(xFrac(v))
                out += "<line x1=\"\(x)\" y1=\"\(oy + top + plotH)\" x2=\"\(x)\" y2=\"\(oy + top + plotH + 4)\" stroke=\"black\"/>"
                out += "<text x=\"\(x)\" y=\"\(oy + top + plotH + 18)\" text-anchor=\"middle\">\(esc(v))</text>\n"
            }
            out += "<text x=\"\(px(0.5))\" y=\"\(oy + panelH - 8)\" text-anchor=\"middle\">\(esc(xKey ?? "variant"))</text>\n"
            // One polyline (and dots) per series.
            for (i, s) in series.enumerated() {
                let color = palette[i % palette.count]
                let pts = report.rows.filter { seriesName($0) == s }.compactMap { r -> (Double, Double)? in
                    guard let m = r.values[metric]?.mean else { return nil }
                    return (xFrac(r.settings.first { $0.key == xKey }?.value ?? ""), m)
                }.sorted { $0.0 < $1.0 }
                if pts.count > 1 {
                    out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"" +
                        pts.map { "\(px($0.0)),\(py($0.1))" }.joined(separator: " ") + "\"/>\n"
                }
                for q in pts { out += "<circle cx=\"\(px(q.0))\" cy=\"\(py(q.1))\" r=\"3.5\" fill=\"\(color)\"/>\n" }
                let ly = oy + top + Double(i) * 18
                out += "<rect x=\"\(panelW - right + 15)\" y=\"\(ly)\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
                out += "<text x=\"\(panelW - right + 32)\" y=\"\(ly + 10)\">\(esc(s))</text>\n"
            }
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }
}
