import Checkpoint
import Data
import Foundation
import NN
import Tensor

/// The noise audit (`alip audit CHECKPOINT --data MANIFEST`): scores every pair of a manifest with a
/// trained model. For each row it computes the similarities of the L2-normalised embeddings
/// `s_vt = ⟨v, t⟩` (image–raw text), `s_vc = ⟨v, c⟩` (image–caption), `s_tc = ⟨t, c⟩` (raw text–caption),
/// and the weights the checkpoint's gates would give them (``AuditGates``); writes the manifest with
/// those columns added and, on request, a filtered manifest of the best-scored rows to train on.
///
/// Images go through the evaluation pipeline of the checkpoint's training set (`data.train`: image
/// size, transforms, column names); each distinct text is encoded once, so rows with the same text get
/// the same text embedding. Rows the loader skips (`on_error: skip`) keep empty audit cells and are never
/// kept by a filter.
public final class NoiseAudit {
    /// The columns the scored manifest gains, in order.
    public static let columns = ["sim_image_raw", "sim_image_caption", "sim_raw_caption",
                                 "weight_sample", "weight_raw", "weight_caption", "audit_score"]

    /// The trained model.
    public let model: DualEncoder
    /// The checkpoint's tokenizer.
    public let tokenizer: BPETokenizer
    /// The audited manifest, read with the training set's settings.
    public let dataset: ManifestDataset
    /// The gate settings and means scored with.
    public let gates: AuditGates
    /// The image-path column (rewritten when the outputs live in another folder).
    public let imageColumn: String
    /// What is audited with, for the report (`checkpoints/step-4.h5 (step 4)`).
    public let modelDescription: String

    /// An audit of `dataset` (which must have the `raw` and `caption` fields) with a model and gates.
    public init(model: DualEncoder, tokenizer: BPETokenizer, dataset: ManifestDataset, gates: AuditGates,
                imageColumn: String = "image", modelDescription: String = "the model") throws {
        for field in ["raw", "caption"] where !dataset.fields.contains(field) {
            throw AuditError("\(dataset.manifest.url.path): the audit needs raw-text and caption fields, but the manifest provides only "
                             + "\(dataset.fields.joined(separator: ", ")); add the '\(field)' column")
        }
        self.model = model
        self.tokenizer = tokenizer
        self.dataset = dataset
        self.gates = gates
        self.imageColumn = imageColumn
        self.modelDescription = modelDescription
    }

    /// An audit of `manifest` with the checkpoint at `url`: `recipe` gives the checkpoint's resolved recipe
    /// tree and the folder its paths resolve against (the CLI passes `RecipeRun.recipe(of:at:…)`). The
    /// model and tokenizer are built from that recipe (its `data.train` pointed at `manifest`, with no
    /// noise and no evaluators), the weights loaded from `/model`, the tokenizer from `/tokenizer`, the
    /// gate means from `/state/objective/…`.
    public static func load(checkpoint url: URL, manifest: URL, registry: Registry,
                            recipe: (Checkpoint) throws -> (root: ConfigValue, baseDirectory: URL)) throws -> NoiseAudit {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw AuditError("\(url.path): checkpoint not found; pass a .h5 file written by `alip train` (runs/<name>/checkpoints/step-NNNNNNN.h5)")
        }
        let table = try AuditTable(contentsOf: manifest)
        let checkpoint = try Checkpoint.read(from: url)
        guard let tokenizerJSON = checkpoint.tokenizer, !tokenizerJSON.isEmpty else {
            throw AuditError("\(url.path) holds no tokenizer (/tokenizer is missing); audit a checkpoint written by `alip train`")
        }
        let (root, base) = try recipe(checkpoint)
        guard case .map(var r) = root, case .map(var data)? = r["data"], case .map(var train)? = data["train"] else {
            throw AuditError("\(url.path): the stored recipe has no data.train section, so the manifest format is unknown")
        }
        func key(_ name: String, _ fallback: String) -> String {
            if case .string(let s)? = train[name] { return s }
            return fallback
        }
        let image = key("image_key", "image"), raw = key("raw_key", "raw_text"), caption = key("caption_key", "caption")
        let missing = [image, raw, caption].filter { table.column($0) == nil }
        guard missing.isEmpty else {
            throw AuditError("\(manifest.path): no column \(missing.map { "'\($0)'" }.joined(separator: ", ")) in the header "
                             + "(columns: \(table.header.joined(separator: ", "))); the audit needs the image '\(image)', raw-text '\(raw)' "
                             + "and caption '\(caption)' columns of the checkpoint's data.train")
        }
        train["path"] = .string(manifest.standardizedFileURL.path)
        data["train"] = .map(train)
        data["eval"] = .list([])
        data["noise"] = .null
        r["data"] = .map(data)
        let setup = try TrainingSetup(root: .map(r), baseDirectory: base, registry: registry, tokenizerJSON: tokenizerJSON)
        try loadParameters(checkpoint.modelByName, into: setup.model.namedParameters(), file: url)
        let state: [String: Double]
        do { state = try Trainer.objectiveState(of: checkpoint, file: url) }
        catch { throw AuditError("\(error)") }
        guard let dataset = setup.dataset as? ManifestDataset else {
            throw AuditError("\(url.path): the checkpoint's data set is not a manifest (\(setup.dataset.sourceDescription)); the audit scores manifests")
        }
        return try NoiseAudit(model: setup.model, tokenizer: setup.tokenizer, dataset: dataset,
                              gates: AuditGates(objective: setup.objective, state: state), imageColumn: image,
                              modelDescription: "\(url.lastPathComponent) (step \(checkpoint.step))")
    }

    // MARK: - Scoring

    /// Encodes every usable row and computes its similarities and weights.
    public func score() throws -> AuditScores {
        let loader = try dataset.evalLoader(tokenizer: tokenizer, batchSize: ModelEvaluation.batchSize)
        defer { loader.shutdown() }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let d = model.embedDim
        var rows: [Int] = [], image: [Float] = [], raw: [String] = [], caption: [String] = []
        try withoutGradients {
            while let batch = try loader.next() {
                image += model.encodeImage(batch.images, normalize: true).data
                rows += batch.rows
                raw += batch.texts["raw"] ?? []
                caption += batch.texts["caption"] ?? []
            }
        }
        guard !rows.isEmpty else {
            throw AuditError("\(dataset.manifest.url.path): no rows to audit (the manifest is empty or every row was skipped)")
        }
        // Each distinct text once; the rows index into the unique list.
        var unique: [String] = [], slot: [String: Int] = [:]
        func index(_ t: String) -> Int {
            if let k = slot[t] { return k }
            slot[t] = unique.count; unique.append(t); return unique.count - 1
        }
        let rawIndex = raw.map(index), captionIndex = caption.map(index)
        let text = ModelEvaluation.encodeTexts(unique, model: model, tokenizer: tokenizer).data
        func dot(_ a: [Float], _ i: Int, _ b: [Float], _ j: Int) -> Float {
            var s: Double = 0
            for k in 0..<d { s += Double(a[i * d + k]) * Double(b[j * d + k]) }
            return Float(s)
        }
        let n = rows.count
        let vt = (0..<n).map { dot(image, $0, text, rawIndex[$0]) }
        let vc = (0..<n).map { dot(image, $0, text, captionIndex[$0]) }
        let tc = (0..<n).map { dot(text, rawIndex[$0], text, captionIndex[$0]) }
        if let bad = (0..<n).first(where: { !vt[$0].isFinite || !vc[$0].isFinite || !tc[$0].isFinite }) {
            throw AuditError("\(dataset.manifest.url.path): row \(rows[bad] + 1) has a non-finite similarity; the checkpoint's model has diverged")
        }
        let weights = gates.weights(textCaption: tc, imageRaw: vt, imageCaption: vc)
        return AuditScores(rows: rows, simImageRaw: vt, simImageCaption: vc, simRawCaption: tc, weights: weights)
    }

    // MARK: - Running

    /// Scores the manifest, writes the scored manifest (and the filtered one when `options` asks for it)
    /// and returns what was found with a printable report.
    public func run(_ options: AuditOptions) throws -> AuditOutcome {
        try options.check()
        let manifestURL = dataset.manifest.url
        let table = try AuditTable(contentsOf: manifestURL)
        var truth: [Bool]?
        if let name = options.truthColumn { truth = try Self.truthFlags(table, column: name) }

        let scores = try score()
        let audit = scores.auditScores(options.score)
        let scoredURL = options.output ?? Self.defaultOutput(for: manifestURL)
        var cells = [[String]](repeating: [String](repeating: "", count: table.rows.count), count: Self.columns.count)
        for (k, r) in scores.rows.enumerated() where r < table.rows.count {
            let values = [scores.simImageRaw[k], scores.simImageCaption[k], scores.simRawCaption[k],
                          scores.weights.sample[k], scores.weights.raw[k], scores.weights.caption[k], audit[k]]
            for (c, v) in values.enumerated() { cells[c][r] = String(v) }
        }
        let imageIndex = table.column(imageColumn)
        try table.write(to: scoredURL, selected: Array(table.rows.indices), imageColumn: imageIndex,
                        extra: zip(Self.columns, cells).map { ($0, $1) })

        var filteredURL: URL?
        var kept: [Int]?
        if options.keepFraction != nil || options.minWeight != nil {
            let keep = Self.selection(scores: audit, rows: scores.rows, options: options)
            let url = options.filteredOutput ?? Self.defaultFiltered(for: scoredURL)
            try table.write(to: url, selected: keep.filter { $0 < table.rows.count }, imageColumn: imageIndex)
            filteredURL = url
            kept = keep
        }
        var metrics: AuditTruthMetrics?
        if let truth, let name = options.truthColumn {
            metrics = AuditTruthMetrics(column: name, scores: scores, audit: audit,
                                        corrupted: scores.rows.map { $0 < truth.count ? truth[$0] : false })
        }
        let outcome = AuditOutcome(scores: scores, auditScore: audit, scoredManifest: scoredURL, filteredManifest: filteredURL,
                                   keptRows: kept, truth: metrics, report: "")
        var o = outcome
        o.report = report(outcome, options: options, totalRows: table.rows.count)
        return o
    }

    /// `<folder>/<name>.audit.tsv` next to the manifest.
    public static func defaultOutput(for manifest: URL) -> URL {
        manifest.deletingPathExtension().appendingPathExtension("audit.tsv")
    }

    /// `<name>.filtered.tsv` next to the scored manifest (`train.audit.tsv` → `train.audit.filtered.tsv`).
    public static func defaultFiltered(for scored: URL) -> URL {
        scored.deletingPathExtension().appendingPathExtension("filtered.tsv")
    }

    /// The manifest rows a filter keeps, in file order: with `keepFraction` the round(f·n) best-scored
    /// rows (ties broken by file order), with `minWeight` every row scoring at least that.
    static func selection(scores: [Float], rows: [Int], options: AuditOptions) -> [Int] {
        var chosen: [Int]
        if let f = options.keepFraction {
            let k = min(rows.count, max(0, Int((f * Double(rows.count)).rounded())))
            let order = rows.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : rows[$0] < rows[$1] }
            chosen = order.prefix(k).map { rows[$0] }
        } else {
            let w = Float(options.minWeight ?? -.infinity)
            chosen = rows.indices.filter { scores[$0] >= w }.map { rows[$0] }
        }
        chosen.sort()
        return chosen
    }

    /// The 0/1 values of the truth column for every row of `table`.
    static func truthFlags(_ table: AuditTable, column name: String) throws -> [Bool] {
        guard let c = table.column(name) else {
            throw AuditError("\(table.url.path): no truth column '\(name)' in the header (columns: \(table.header.joined(separator: ", "))); "
                             + "name the column that marks corrupted rows with --truth-column")
        }
        return try table.rows.enumerated().map { k, cells in
            let v = c < cells.count ? cells[c].trimmingCharacters(in: .whitespaces).lowercased() : ""
            switch v {
            case "1", "true", "yes": return true
            case "0", "false", "no": return false
            default:
                throw AuditError("\(table.url.path):\(table.lines[k]): truth column '\(name)' is '\(v)'; it must be 0 (clean) or 1 (corrupted) on every row")
            }
        }
    }

    // MARK: - Report

    func report(_ o: AuditOutcome, options: AuditOptions, totalRows: Int) -> String {
        let s = o.scores
        var lines = ["audit of \(dataset.manifest.url.path) with \(modelDescription)"]
        let skipped = totalRows - s.rows.count
        lines.append("  rows: \(s.rows.count) scored" + (skipped > 0 ? ", \(skipped) skipped (empty audit cells)" : ""))
        let means = s.weights.means.keys.sorted().map { k -> String in
            "\(k) = \(Self.format(s.weights.means[k]!)) (\(gates.sources[k].map { "checkpoint " + $0 } ?? "mean of the rows"))"
        }
        lines.append("  means: " + means.joined(separator: ", "))
        lines.append("  column              mean      min       max")
        let series: [(String, [Float])] = [("sim_image_raw", s.simImageRaw), ("sim_image_caption", s.simImageCaption),
                                           ("sim_raw_caption", s.simRawCaption), ("weight_sample", s.weights.sample),
                                           ("weight_raw", s.weights.raw), ("weight_caption", s.weights.caption),
                                           ("audit_score", o.auditScore)]
        for (name, v) in series {
            let mean = v.reduce(0.0) { $0 + Double($1) } / Double(max(1, v.count))
            lines.append("  " + name.padding(toLength: 18, withPad: " ", startingAt: 0)
                         + [mean, Double(v.min() ?? 0), Double(v.max() ?? 0)].map { Self.format($0).leftPadded(9) }.joined(separator: " "))
        }
        lines.append("  audit_score = \(options.score.formula)")
        lines.append("  scored manifest: \(o.scoredManifest.path)")
        if let f = o.filteredManifest, let kept = o.keptRows {
            let rule = options.keepFraction.map { "the best " + String(format: "%.4g", $0 * 100) + "%" } ?? "audit_score ≥ \(Self.format(options.minWeight ?? 0))"
            lines.append("  filtered manifest: \(f.path) (kept \(kept.count) of \(s.rows.count) rows: \(rule))")
        }
        if let t = o.truth {
            lines.append("  truth '\(t.column)': \(t.corrupted) of \(t.rows) rows corrupted (noise rate \(Self.format(t.noiseRate)))")
            if let auc = t.auc {
                lines.append("  flagging the \(t.corrupted) lowest audit_score: precision \(Self.format(t.precision)), "
                             + "recall \(Self.format(t.recall)); ROC-AUC \(Self.format(auc))")
                lines.append("  ROC-AUC by column (low = corrupted): "
                             + t.aucByColumn.map { "\($0.column) \($0.auc.map(Self.format) ?? "n/a")" }.joined(separator: ", "))
            } else {
                lines.append("  ROC-AUC: n/a (needs both clean and corrupted rows)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ v: Double) -> String { String(format: "%.4f", v) }
}

extension String {
    /// The string right-aligned in `width` characters.
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

/// Settings of one audit run.
public struct AuditOptions: Sendable {
    /// The scored manifest (default: `<manifest>.audit.tsv` next to it).
    public var output: URL?
    /// The filtered manifest (default: `<scored>.filtered.tsv` next to the scored one).
    public var filteredOutput: URL?
    /// The weight that becomes `audit_score`.
    public var score: AuditScore
    /// Keep this fraction of the rows, best scored first (0 < f ≤ 1).
    public var keepFraction: Double?
    /// Keep the rows whose score is at least this.
    public var minWeight: Double?
    /// A column with 0/1 flags of the truly corrupted rows, for precision/recall and ROC-AUC.
    public var truthColumn: String?

    /// Options; by default only the scored manifest is written.
    public init(output: URL? = nil, filteredOutput: URL? = nil, score: AuditScore = .sample, keepFraction: Double? = nil,
                minWeight: Double? = nil, truthColumn: String? = nil) {
        self.output = output
        self.filteredOutput = filteredOutput
        self.score = score
        self.keepFraction = keepFraction
        self.minWeight = minWeight
        self.truthColumn = truthColumn
    }

    /// Throws when the options contradict each other or are out of range.
    public func check() throws {
        if keepFraction != nil && minWeight != nil {
            throw AuditError("--keep-fraction and --min-weight both given; filter by one of them")
        }
        if let f = keepFraction, !(f > 0 && f <= 1) {
            throw AuditError("--keep-fraction \(f) is out of range; give a fraction in (0, 1], e.g. 0.6")
        }
        if let w = minWeight, !w.isFinite {
            throw AuditError("--min-weight \(w) is not a finite number")
        }
        if filteredOutput != nil && keepFraction == nil && minWeight == nil {
            throw AuditError("--filtered-out names a filtered manifest but no filter is set; add --keep-fraction or --min-weight")
        }
    }
}

/// Per-row results of an audit, in manifest order of the rows scored.
public struct AuditScores: Sendable {
    /// The manifest row index (0-based, header excluded) of each scored row.
    public var rows: [Int]
    /// `⟨v, t⟩`.
    public var simImageRaw: [Float]
    /// `⟨v, c⟩`.
    public var simImageCaption: [Float]
    /// `⟨t, c⟩`.
    public var simRawCaption: [Float]
    /// The gate weights and the means used.
    public var weights: AuditWeights

    /// The chosen score of every row.
    public func auditScores(_ kind: AuditScore) -> [Float] {
        rows.indices.map {
            kind.value(sample: weights.sample[$0], raw: weights.raw[$0], caption: weights.caption[$0],
                       imageRaw: simImageRaw[$0], rawCaption: simRawCaption[$0])
        }
    }
}

/// Everything an audit run produced.
public struct AuditOutcome: Sendable {
    /// The per-row results.
    public var scores: AuditScores
    /// The `audit_score` of every scored row.
    public var auditScore: [Float]
    /// Where the scored manifest was written.
    public var scoredManifest: URL
    /// Where the filtered manifest was written, when a filter was set.
    public var filteredManifest: URL?
    /// The manifest rows the filter kept, in file order.
    public var keptRows: [Int]?
    /// Detection metrics against the truth column, when one was named.
    public var truth: AuditTruthMetrics?
    /// The printable report.
    public var report: String
}

/// How well an audit flags the rows a truth column marks as corrupted (low score ⇒ flagged), as the
/// `noise-detection` evaluator measures the training-time weights.
public struct AuditTruthMetrics: Sendable {
    /// The truth column.
    public var column: String
    /// Scored rows.
    public var rows: Int
    /// Of them, corrupted.
    public var corrupted: Int
    /// `corrupted / rows`.
    public var noiseRate: Double
    /// Precision when the `corrupted` lowest-scored rows are flagged (ties shared out).
    public var precision: Double
    /// Recall at the same cut.
    public var recall: Double
    /// ROC-AUC of `−audit_score` (nil without both classes).
    public var auc: Double?
    /// ROC-AUC of every audit column (negated: low = corrupted).
    public var aucByColumn: [(column: String, auc: Double?)]

    /// The metrics of `audit` (and every column of `scores`) against `corrupted` (one flag per scored row).
    public init(column: String, scores: AuditScores, audit: [Float], corrupted: [Bool]) {
        self.column = column
        rows = corrupted.count
        self.corrupted = corrupted.filter { $0 }.count
        noiseRate = rows == 0 ? 0 : Double(self.corrupted) / Double(rows)
        func negated(_ v: [Float]) -> [Double] { v.map { -Double($0) } }
        let pr = DetectionMetrics.precisionRecall(scores: negated(audit), positives: corrupted, flagged: self.corrupted)
        precision = pr.precision
        recall = pr.recall
        auc = DetectionMetrics.rocAUC(scores: negated(audit), positives: corrupted)
        let series = [scores.simImageRaw, scores.simImageCaption, scores.simRawCaption,
                      scores.weights.sample, scores.weights.raw, scores.weights.caption, audit]
        aucByColumn = zip(NoiseAudit.columns, series).map { ($0, DetectionMetrics.rocAUC(scores: negated($1), positives: corrupted)) }
    }
}
